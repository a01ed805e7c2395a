import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { authPlugin } from '../auth/plugin'
import { requestContext } from '../http/request-context'
import { smsRateLimitGuard } from '../ratelimit/guard'
import { CommunicationModel } from './model'
import { CommunicationService } from './service'
import { SmsService } from './sms'
import { EmailService } from './email'

const tags = ['Communications']
const errors = {
  404: CommunicationModel.error,
  409: CommunicationModel.error,
  429: CommunicationModel.error,
  502: CommunicationModel.error,
  503: CommunicationModel.notConfigured,
}

/** SMS and e-mail sending, and the message history. */
export function communicationsModule(ctx: AppContext) {
  const records = new CommunicationService(ctx)
  const sms = new SmsService(ctx, records)
  const email = new EmailService(ctx, records)
  const smsLimit = smsRateLimitGuard(ctx)

  return new Elysia({ name: 'communications', seed: ctx.id, prefix: '/api/v2/communications' })
    .use(requestContext(ctx))
    .use(authPlugin(ctx))
    .post(
      '/sms/send',
      async ({ user, body, set, clientIp, status }) => {
        // The order is the contract: nothing before the limiter may use capacity,
        // and nothing after it runs unless the send was admitted.
        const draft = await sms.prepare(body) // 422, 404
        sms.assertConfigured() // 503
        await sms.assertNotOptedOut(draft.to) // 409
        Object.assign(set.headers, await smsLimit.admit({ user, destination: draft.to, clientIp })) // 429
        return status(201, await sms.deliver(user, draft)) // 201, 502
      },
      {
        permission: 'send_sms',
        body: CommunicationModel.sendSms,
        response: { 201: CommunicationModel.sent, ...errors },
        detail: {
          tags,
          summary: 'Send an SMS through Twilio',
          description:
            'Order of checks: permission, validation (422) and customer (404), configuration (503), opt-out (409), rate limits (429 with Retry-After), then the record is written and Twilio called (502 on a provider failure, the record kept as failed). Accepted sends carry RateLimit and RateLimit-Policy headers.',
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
        detail: { tags, summary: 'Send an e-mail through SMTP', description: 'A refusal or an unreachable server answers 502 and keeps a failed record.' },
      },
    )
    .get('/history', ({ user, query }) => records.history(user, query), {
      auth: true,
      query: CommunicationModel.historyQuery,
      response: { 200: CommunicationModel.historyPage },
      detail: {
        tags,
        summary: 'Messages, newest first',
        description: 'Without view_all_communications: the messages you sent plus inbound messages. Filters: customer_id, type, direction.',
      },
    })
}
