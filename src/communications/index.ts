import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { authPlugin } from '../auth/plugin'
import { requestContext } from '../http/request-context'
import { ErrorBody } from '../http/errors'
import { smsRateLimitGuard } from '../ratelimit/guard'
import { CommunicationModel } from './model'
import { CommunicationService } from './service'
import { RecipientResolver } from './recipients'
import { SmsService } from './sms'
import { EmailService } from './email'
import { SendSmsBody, resolveSmsRequest } from './sms-request'
import { BulkSmsModel, BulkSmsService, BULK_MAX } from './bulk'
import { InboxModel, InboxService } from './inbox'

const tags = ['Communications']
const errors = {
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
  502: ErrorBody,
  503: CommunicationModel.notConfigured,
}

/** SMS and e-mail sending, and the message history. */
export function communicationsModule(ctx: AppContext) {
  const records = new CommunicationService(ctx.database)
  const recipients = new RecipientResolver(ctx)
  const sms = new SmsService(ctx, records, recipients)
  const email = new EmailService(ctx, records, recipients)
  const smsLimit = smsRateLimitGuard(ctx)
  const bulk = new BulkSmsService(ctx, sms, smsLimit)
  const inbox = new InboxService(ctx)

  return new Elysia({ name: 'communications', seed: ctx.id, prefix: '/api/v2/communications' })
    .use(requestContext(ctx))
    .use(authPlugin(ctx))
    .post(
      '/sms/send',
      async ({ user, body, set, clientIp, status }) => {
        // The order is the contract: nothing before the limiter may use capacity,
        // and nothing after it runs unless the send was admitted.
        const draft = await sms.prepare(resolveSmsRequest(body, ctx.config.defaultCountry)) // 422, 404
        sms.assertConfigured() // 503
        await sms.assertNotOptedOut(draft.to) // 409
        Object.assign(set.headers, await smsLimit.admit({ user, destination: draft.to, clientIp })) // 429
        return status(201, await sms.deliver(user, draft)) // 201, 502
      },
      {
        permission: 'send_sms',
        body: SendSmsBody,
        response: { 201: CommunicationModel.sent, ...errors },
        detail: {
          tags,
          summary: 'Send an SMS through Twilio',
          description:
            'Order of checks: permission, validation (422) and customer (404), configuration (503), opt-out (409), rate limits (429 with Retry-After), then the record is written and Twilio called (502 on a provider failure, the record kept as failed). Accepted sends carry RateLimit and RateLimit-Policy headers. ' +
            "The React CRM app's names are accepted too: to_phone, to_number or conversation_id for `to`, message or content for `body`; two names of one thing with different values are a 422.",
        },
      },
    )
    .post(
      '/email/send',
      async ({ user, body, status }) => {
        const draft = await email.prepare(body) // 422, 404
        email.assertConfigured() // 503
        return status(201, await email.deliver(user, draft)) // 201, 502
      },
      {
        permission: 'send_email',
        body: CommunicationModel.sendEmail,
        response: { 201: CommunicationModel.sent, ...errors },
        detail: {
          tags,
          summary: 'Send an e-mail through SMTP',
          description: 'A refusal or an unreachable server answers 502 and keeps a failed record.',
        },
      },
    )
    .post('/sms/send-bulk', ({ user, body, clientIp }) => bulk.send(user, body, clientIp), {
      permission: 'send_sms',
      body: BulkSmsModel.body,
      response: { 200: BulkSmsModel.answer, 503: CommunicationModel.notConfigured },
      detail: {
        tags,
        summary: 'Send one SMS to several customers',
        description: `Up to ${BULK_MAX} customers, one after the other, each through the checks of a single send: no phone or unknown → skipped; opted out → skipped (reason opted_out); a rate limit reached → skipped (reason rate_limited, detail the limiter's message; nothing sent); the provider refusing → failed (record kept). 503 before anything when SMS is not configured.`,
      },
    })
    .get('/sms/customers', ({ query }) => inbox.smsCustomers(query), {
      permission: 'view_customers',
      query: InboxModel.smsCustomersQuery,
      response: { 200: InboxModel.smsCustomers },
      detail: {
        tags,
        summary: 'Customers one can text',
        description: 'Customers with a phone number, by last and first name; archived ones only with active_only=false.',
      },
    })
    .get('/stats', () => inbox.stats(), {
      auth: true,
      response: { 200: InboxModel.stats },
      detail: {
        tags,
        summary: 'Unread counts for the inbox',
        description: 'Inbound messages not marked read (POST /api/v2/sms/conversations/{id}/read marks an SMS thread).',
      },
    })
    .get('/activity', ({ user, query }) => inbox.activity(user, query), {
      auth: true,
      query: InboxModel.activityQuery,
      response: { 200: InboxModel.activity },
      detail: {
        tags,
        summary: 'Recent messages on every channel',
        description:
          'Newest first, the messages you may see (the history rule). `channel` sms or email; `search` in text, subject, customer name and address.',
      },
    })
    .get('/history', ({ user, query }) => records.history(user, query), {
      auth: true,
      query: CommunicationModel.historyQuery,
      response: { 200: CommunicationModel.historyPage },
      detail: {
        tags,
        summary: 'Messages, newest first',
        description:
          "Without view_all_communications: the messages you sent plus inbound messages. Filters: customer_id, type (or message_type), direction. Items carry the linked customer's name and when the message was sent or received.",
      },
    })
}
