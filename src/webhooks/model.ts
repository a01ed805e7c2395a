import { t } from 'elysia'
import type { OpenAPIV3 } from 'openapi-types'

/** Schemas of the webhook answers; request parameters are Twilio's and are read after the signature check. */
export namespace WebhookModel {
  export const statusAnswer = t.Object({ status: t.Literal('ok') })
  export const twiml = t.String({ examples: ['<Response></Response>'] })
  export const rejected = t.Object({ detail: t.String({ examples: ['Invalid Twilio signature'] }) })
}

/** The (documented, not enforced) form Twilio posts: validation must not run before the signature check. */
export const incomingFormDoc: OpenAPIV3.RequestBodyObject = {
  content: {
    'application/x-www-form-urlencoded': {
      schema: {
        type: 'object',
        additionalProperties: { type: 'string' },
        properties: {
          MessageSid: { type: 'string' },
          From: { type: 'string' },
          To: { type: 'string' },
          Body: { type: 'string' },
          NumMedia: { type: 'string' },
          MediaUrl0: { type: 'string' },
          OptOutType: { type: 'string', enum: ['STOP', 'START', 'HELP'] },
        },
        required: ['MessageSid', 'From', 'To'],
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
          MessageSid: { type: 'string' },
          MessageStatus: { type: 'string', enum: ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'read'] },
          ErrorCode: { type: 'string' },
          ErrorMessage: { type: 'string' },
        },
        required: ['MessageSid', 'MessageStatus'],
      },
    },
  },
}
