import type { AppContext } from '../context'
import type { AuthUser } from '../auth/plugin'
import { BadGateway, Conflict, ServiceUnavailable } from '../http/errors'
import { maskPhone } from '../logger'
import { OptOutService } from '../optouts/service'
import { TWILIO_UNSUBSCRIBED, TwilioClient, TwilioSendError } from '../twilio/client'
import { type CommunicationService, type OutboundDraft, requireText } from './service'
import type { RecipientResolver } from './recipients'
import { SMS_BODY_MAX, SMS_SETUP_HINT } from './model'
import { communicationView } from './view'

/** Outbound SMS: each step of a send, in the order the route runs them. */
export class SmsService {
  readonly twilio: TwilioClient
  private readonly optOuts: OptOutService

  constructor(
    private readonly ctx: AppContext,
    private readonly records: CommunicationService,
    private readonly recipients: RecipientResolver,
  ) {
    this.twilio = new TwilioClient(ctx.config.twilio, ctx.config.publicUrl)
    this.optOuts = new OptOutService(ctx.database)
  }

  /** 422 for a bad body or destination, 404 for an unknown customer. */
  async prepare(input: { to?: string | null; customer_id?: number | null; body: string }): Promise<OutboundDraft> {
    // `to` may already be E.164 (resolved from one of its aliases); normalising again is harmless.
    const body = requireText('body', input.body, SMS_BODY_MAX)
    const recipient = await this.recipients.resolve('sms', input)
    return { ...recipient, body }
  }

  /** 503 without Twilio credentials and a sender; checked before the limiter so it never uses capacity. */
  assertConfigured(): void {
    if (!this.twilio.configured) throw new ServiceUnavailable('SMS is not configured', SMS_SETUP_HINT)
  }

  async isOptedOut(to: string): Promise<boolean> {
    return this.optOuts.isOptedOut(to)
  }

  /** 409 for a number that replied STOP; nothing is sent and no limit is used. */
  async assertNotOptedOut(to: string): Promise<void> {
    if (await this.isOptedOut(to)) throw new Conflict('Recipient has opted out of SMS')
  }

  /** Records the message, hands it to Twilio, and records the outcome (502 on failure, with the failed record kept). */
  async deliver(user: Pick<AuthUser, 'id'>, draft: OutboundDraft) {
    const row = await this.records.createOutbound('sms', { userId: user.id, from: this.twilio.sender }, draft)
    try {
      const message = await this.twilio.sendMessage({ to: draft.to, body: draft.body })
      const sent = await this.records.markAccepted(row.id, {
        status: message.status,
        externalId: message.sid,
        from: message.from ?? row.fromAddress,
      })
      this.ctx.metrics.messages.inc({ channel: 'sms', direction: 'outbound', status: sent.status })
      this.ctx.logger.info(
        { communicationId: row.id, userId: user.id, to: maskPhone(draft.to), sid: message.sid, status: sent.status },
        'sms handed to twilio',
      )
      return communicationView(sent)
    } catch (error) {
      if (!(error instanceof TwilioSendError)) throw error
      await this.records.markFailed(row.id, { code: error.code !== null ? String(error.code) : error.kind, message: error.message })
      // Twilio already knows this number said STOP: remember it so the next send is refused locally.
      if (error.code === TWILIO_UNSUBSCRIBED) await this.optOuts.set(draft.to, true)
      this.ctx.metrics.messages.inc({ channel: 'sms', direction: 'outbound', status: 'failed' })
      this.ctx.logger.warn(
        {
          communicationId: row.id,
          userId: user.id,
          to: maskPhone(draft.to),
          kind: error.kind,
          code: error.code,
          httpStatus: error.httpStatus,
        },
        'sms send failed',
      )
      throw new BadGateway(`SMS provider error: ${error.message}`)
    }
  }
}
