import { t } from 'elysia'
import type { OpenAPIV3 } from 'openapi-types'
import { ErrorBody } from '../http/errors'
import { STATUS_ORDER_TEXT } from './status-order'

/** The 403 details of the signature check. */
const SIGNATURE_REFUSALS = ['Missing Twilio signature', 'Invalid Twilio signature', 'Signature validation error'] as const

/** Schemas of the webhook answers; request parameters are Twilio's and are read after the signature check. */
export namespace WebhookModel {
  export const statusAnswer = t.Object({ status: t.Literal('ok') })
  export const rejected = t.Object({ detail: t.Union(SIGNATURE_REFUSALS.map((detail) => t.Literal(detail))) })
}

/** A form Twilio posts: its ids, the given fields, and any other parameter as text. */
function twilioForm(fields: Record<string, OpenAPIV3.SchemaObject>, required: string[]): OpenAPIV3.RequestBodyObject {
  return {
    content: {
      'application/x-www-form-urlencoded': {
        schema: {
          type: 'object',
          additionalProperties: { type: 'string', maxLength: 4096 },
          properties: {
            MessageSid: { type: 'string', maxLength: 34, pattern: '^(SM|MM)[0-9a-f]{32}$' },
            AccountSid: { type: 'string', maxLength: 34, pattern: '^AC[0-9a-f]{32}$' },
            ...fields,
          },
          required: ['MessageSid', 'AccountSid', ...required],
        },
      },
    },
  }
}

/**
 * The (documented, not enforced) form Twilio posts, with the lengths Twilio uses:
 * validation must not run before the signature check.
 */
export const incomingFormDoc = twilioForm(
  {
    From: { type: 'string', maxLength: 64 },
    To: { type: 'string', maxLength: 64 },
    Body: { type: 'string', maxLength: 1600 },
    NumMedia: { type: 'string', maxLength: 2 },
    MediaUrl0: { type: 'string', maxLength: 2048 },
    OptOutType: { type: 'string', enum: ['STOP', 'START', 'HELP'] },
  },
  ['From', 'To'],
)

export const statusFormDoc = twilioForm(
  {
    MessageStatus: {
      type: 'string',
      maxLength: 32,
      description: `Twilio's status, in this order: ${STATUS_ORDER_TEXT}. Any other value is stored as sent (200), after sent and before the final statuses.`,
      example: 'delivered',
    },
    ErrorCode: { type: 'string', maxLength: 10 },
    ErrorMessage: { type: 'string', maxLength: 1024 },
  },
  ['MessageStatus'],
)

/** The TwiML answer, documented by hand: a `t` schema would be described as text/plain. */
export const twimlResponseDoc: OpenAPIV3.ResponseObject = {
  description: 'Empty TwiML: the message is stored, no automatic reply is sent',
  content: { 'text/xml': { schema: { type: 'string', example: '<Response></Response>' } } },
}

export const malformedIdsResponseDoc: OpenAPIV3.ResponseObject = {
  description: 'Signed, but MessageSid/SmsSid/SmsMessageSid or AccountSid is missing, not a Twilio id, inconsistent, or another account',
  content: { 'application/json': { schema: ErrorBody } },
}

export const rejectedResponseDoc: OpenAPIV3.ResponseObject = {
  description: 'Missing, invalid or unverifiable X-Twilio-Signature',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['detail'],
        properties: {
          detail: { type: 'string', enum: [...SIGNATURE_REFUSALS] },
        },
      },
    },
  },
}
