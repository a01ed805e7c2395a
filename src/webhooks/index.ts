import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { WebhookModel, incomingFormDoc, malformedIdsResponseDoc, statusFormDoc, twimlResponseDoc } from './model'
import { WebhookService } from './service'
import { ErrorBody } from '../http/errors'
import { twilioSignature } from './signature'
import { STATUS_ORDER_TEXT } from './status-order'

const EMPTY_TWIML = '<Response></Response>'

const SIGNATURE_NOTE =
  'A body over 64 KB is refused with 413 and a form with more than 200 parameters with 400, before the signature is computed. ' +
  'Signed by Twilio (X-Twilio-Signature) over the URL it requested and every form parameter. ' +
  'Missing header: 403 "Missing Twilio signature"; wrong: 403 "Invalid Twilio signature"; ' +
  'no TWILIO_AUTH_TOKEN or an unreadable body: 403 "Signature validation error". ' +
  'A signed request must carry MessageSid (SmsSid, SmsMessageSid: equal) as SM/MM + 32 hex digits and AccountSid as AC + 32 hex digits ' +
  '(equal to TWILIO_ACCOUNT_SID when set); otherwise 400 and nothing changes.'

/** Twilio's callbacks: outside /api/v2, authenticated by signature instead of a user token. */
export function webhooksModule(ctx: AppContext) {
  const service = new WebhookService(ctx)
  return new Elysia({ name: 'webhooks', seed: ctx.id, prefix: '/webhooks/twilio' })
    .use(twilioSignature(ctx))
    .post(
      '/incoming',
      async ({ twilio, set }) => {
        await service.recordInbound(twilio)
        // Empty TwiML: store the message, send no automatic reply (also for retries).
        set.headers['content-type'] = 'text/xml'
        return EMPTY_TWIML
      },
      {
        twilioSignature: true,
        // Documented by hand: a `response` schema would replace these and call the TwiML text/plain; the 403 comes with `twilioSignature`.
        detail: {
          summary: 'Inbound SMS from Twilio',
          responses: { 200: twimlResponseDoc, 400: malformedIdsResponseDoc },
          description: `Stores the message once per MessageSid, links it to the customer with that phone number and applies STOP/START opt-outs. ${SIGNATURE_NOTE}`,
          tags: ['Webhooks'],
          requestBody: incomingFormDoc,
        },
      },
    )
    .post(
      '/status',
      async ({ twilio }) => {
        await service.applyStatus(twilio)
        return { status: 'ok' as const }
      },
      {
        twilioSignature: true,
        response: { 200: WebhookModel.statusAnswer, 400: ErrorBody, 403: WebhookModel.rejected },
        detail: {
          summary: 'SMS delivery status from Twilio',
          description: `Moves the outbound message with that MessageSid forward (${STATUS_ORDER_TEXT}), never back; a status not in this list is stored as sent, ranked after sent and before the final statuses, and is never refused; unknown sids are ignored. ${SIGNATURE_NOTE}`,
          tags: ['Webhooks'],
          requestBody: statusFormDoc,
        },
      },
    )
}
