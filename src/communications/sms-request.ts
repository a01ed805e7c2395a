import { t } from 'elysia'
import { ValidationFailed, type FieldError } from '../http/errors'
import { ID_MAX } from '../http/pagination'
import { toE164 } from '../phone/normalize'
import { SMS_BODY_MAX } from './model'

const phoneField = (description: string) => t.Optional(t.Nullable(t.String({ maxLength: 64, description })))
const bodyField = (description: string) => t.Optional(t.String({ maxLength: SMS_BODY_MAX * 2, description }))
const ignored = t.Optional(
  t.Union([t.String({ maxLength: 200 }), t.Number(), t.Null()], { description: 'Accepted and ignored (sent by the React CRM app)' }),
)

/**
 * The send body, with the names the React CRM app uses beside ours: each
 * group names one thing, and two names of a group with different values are a 422.
 */
export const SendSmsBody = t.Object(
  {
    to: phoneField('Phone number; E.164 or national format of DEFAULT_COUNTRY'),
    to_phone: phoneField('Same as `to`'),
    to_number: phoneField('Same as `to`'),
    conversation_id: phoneField('A conversation id (its E.164 number, see /api/v2/sms/conversations): same as `to`'),
    customer_id: t.Optional(
      t.Nullable(
        t.Union([t.Integer({ minimum: 1, maximum: ID_MAX }), t.String({ pattern: '^[0-9]{0,10}$', maxLength: 10 })], {
          description: 'Send to this customer (their phone); links the record. A numeric string is accepted; "" means none',
        }),
      ),
    ),
    body: bodyField(`The message: 1..${SMS_BODY_MAX} characters (Unicode code points), not only whitespace`),
    message: bodyField('Same as `body`'),
    content: bodyField('Same as `body`'),
    work_order_id: ignored,
    template_id: ignored,
    source: ignored,
  },
  {
    title: 'SendSmsRequest',
    description:
      'Give a destination (`to`, `to_phone`, `to_number` or `conversation_id`), a `customer_id`, or both (then the destination is used and the record is linked to the customer), and the message in `body`, `message` or `content`.',
  },
)

export type SendSmsInput = typeof SendSmsBody.static

export interface SmsRequest {
  to?: string
  customer_id?: number
  body: string
}

const DESTINATIONS = ['to', 'to_phone', 'to_number', 'conversation_id'] as const
const BODIES = ['body', 'message', 'content'] as const

/** One destination, customer and message from whichever names were used; a 422 naming every problem. */
export function resolveSmsRequest(input: SendSmsInput, defaultCountry: string): SmsRequest {
  const errors: FieldError[] = []
  let to: { field: string; e164: string } | undefined
  for (const field of DESTINATIONS) {
    const raw = input[field]
    if (raw === undefined || raw === null) continue
    const e164 = toE164(raw, defaultCountry)
    if (!e164) errors.push({ field, message: 'Invalid phone number' })
    else if (!to) to = { field, e164 }
    else if (to.e164 !== e164) errors.push({ field, message: `Names a different number than \`${to.field}\`` })
  }
  let body: { field: string; text: string } | undefined
  for (const field of BODIES) {
    const text = input[field]
    if (text === undefined) continue
    if (!body) body = { field, text }
    else if (body.text !== text) errors.push({ field, message: `Differs from \`${body.field}\`` })
  }
  if (!body) errors.push({ field: 'body', message: 'Give the message in `body` (or `message`, `content`)' })
  let customerId: number | undefined
  const rawCustomer = input.customer_id
  if (typeof rawCustomer === 'number') customerId = rawCustomer
  else if (typeof rawCustomer === 'string' && rawCustomer !== '') {
    const id = Number(rawCustomer)
    if (id >= 1 && id <= ID_MAX) customerId = id
    else errors.push({ field: 'customer_id', message: `Must be between 1 and ${ID_MAX}` })
  }
  if (errors.length || !body) throw new ValidationFailed(errors)
  return { to: to?.e164, customer_id: customerId, body: body.text }
}
