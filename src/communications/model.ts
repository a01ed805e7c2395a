import { t } from 'elysia'
import { CommunicationView, HistoryItem } from './view'
import { ID_MAX, PageOf, PageQuery } from '../http/pagination'

export const SMS_BODY_MAX = 1600
export const EMAIL_SUBJECT_MAX = 998
export const EMAIL_BODY_MAX = 100_000

// Lengths are counted in code points by the service (a schema maxLength counts
// UTF-16 units, so an emoji would count twice); the schema limits here only
// stop absurd payloads early.
const recipient = {
  customer_id: t.Optional(
    t.Nullable(t.Integer({ minimum: 1, maximum: ID_MAX, description: 'Send to this customer (their phone or e-mail); links the record' })),
  ),
}

export const CommunicationModel = {
  sendEmail: t.Object(
    {
      to: t.Optional(t.Nullable(t.String({ maxLength: 320, description: 'A plain address: local@domain.tld' }))),
      ...recipient,
      subject: t.String({ maxLength: EMAIL_SUBJECT_MAX * 2, description: `1..${EMAIL_SUBJECT_MAX} characters, one line` }),
      body: t.String({ maxLength: EMAIL_BODY_MAX * 2, description: `Plain text, 1..${EMAIL_BODY_MAX} characters` }),
    },
    {
      title: 'SendEmailRequest',
      description: 'Give `to`, `customer_id`, or both (then `to` is the destination and the record is linked to the customer).',
    },
  ),
  historyQuery: t.Object({
    customer_id: t.Optional(t.Integer({ minimum: 1, maximum: ID_MAX, description: 'Only records linked to this customer' })),
    // Not t.UnionEnum: Elysia fills an absent optional UnionEnum query value with its first member.
    type: t.Optional(t.Union([t.Literal('sms'), t.Literal('email')])),
    message_type: t.Optional(
      t.Union([t.Literal('sms'), t.Literal('email')], { description: 'Same as `type` (the React CRM app sends this name)' }),
    ),
    direction: t.Optional(t.Union([t.Literal('inbound'), t.Literal('outbound')])),
    ...PageQuery,
  }),
  historyPage: PageOf(HistoryItem, 'CommunicationPage'),
  sent: CommunicationView,
  notConfigured: t.Object(
    {
      detail: t.String({ description: '`SMS is not configured` or `Email is not configured`' }),
      hint: t.String({ description: 'The environment variables an operator has to set' }),
    },
    { title: 'NotConfigured' },
  ),
}

export const SMS_SETUP_HINT =
  'Set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER (or TWILIO_MESSAGING_SERVICE_SID), then restart'
export const EMAIL_SETUP_HINT = 'Set SMTP_URL and EMAIL_FROM, then restart'
