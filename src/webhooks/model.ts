import { t } from 'elysia'
import type { OpenAPIV3 } from 'openapi-types'
import { STATUS_ORDER_TEXT } from './status-order'

/** Schemas of the webhook answers; request parameters are Twilio's and are read after the signature check. */
export namespace WebhookModel {
  export const statusAnswer = t.Object({ status: t.Literal('ok') })
  export const rejected = t.Object({ detail: t.Union([t.Literal('Missing Twilio signature'), t.Literal('Invalid Twilio signature'), t.Literal('Signature validation error')]) })
  /** A signed request whose MessageSid or AccountSid is missing or not a Twilio id. */
  export const malformed = t.Object({ detail: t.String() })
}

/** The (documented, not enforced) form Twilio posts: validation must not run before the signature check. */
export const incomingFormDoc: OpenAPIV3.RequestBodyObject = {
  content: {
    'application/x-www-form-urlencoded': {
      schema: {
        type: 'object',
        additionalProperties: { type: 'string' },
        properties: {
          MessageSid: { type: 'string', pattern: '^(SM|MM)[0-9a-f]{32}$' },
          AccountSid: { type: 'string', pattern: '^AC[0-9a-f]{32}$' },
          From: { type: 'string' },
          To: { type: 'string' },
          Body: { type: 'string' },
          NumMedia: { type: 'string' },
          MediaUrl0: { type: 'string' },
          OptOutType: { type: 'string', enum: ['STOP', 'START', 'HELP'] },
        },
        required: ['MessageSid', 'AccountSid', 'From', 'To'],
      },
    },
  },
}

export const statusFormDoc: OpenAPIV3.RequestBodyObject = {
  content: {
    'application/x-www-form-urlencoded': {
      schema: {
        type: 'object',
        additionalProperties: { type: 'string' },
        properties: {
          MessageSid: { type: 'string', pattern: '^(SM|MM)[0-9a-f]{32}$' },
          AccountSid: { type: 'string', pattern: '^AC[0-9a-f]{32}$' },
          MessageStatus: {
            type: 'string',
            description: `Twilio's status, in this order: ${STATUS_ORDER_TEXT}. Any other value is stored as sent (200), after sent and before the final statuses.`,
            example: 'delivered',
          },
          ErrorCode: { type: 'string' },
          ErrorMessage: { type: 'string' },
        },
        required: ['MessageSid', 'AccountSid', 'MessageStatus'],
      },
    },
  },
}

/** The TwiML answer, documented by hand: a `t` schema would be described as text/plain. */
export const twimlResponseDoc: OpenAPIV3.ResponseObject = {
  description: 'Empty TwiML: the message is stored, no automatic reply is sent',
  content: { 'text/xml': { schema: { type: 'string', example: '<Response></Response>' } } },
}

export const malformedIdsResponseDoc: OpenAPIV3.ResponseObject = {
  description: 'Signed, but MessageSid/SmsSid/SmsMessageSid or AccountSid is missing, not a Twilio id, inconsistent, or another account',
  content: { 'application/json': { schema: { type: 'object', required: ['detail'], properties: { detail: { type: 'string' } } } } },
}

export const rejectedResponseDoc: OpenAPIV3.ResponseObject = {
  description: 'Missing, invalid or unverifiable X-Twilio-Signature',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['detail'],
        properties: { detail: { type: 'string', enum: ['Missing Twilio signature', 'Invalid Twilio signature', 'Signature validation error'] } },
      },
    },
  },
}
