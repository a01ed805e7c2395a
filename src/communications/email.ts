import type { AppContext } from '../context'
import type { AuthUser } from '../auth/plugin'
import { BadGateway, ServiceUnavailable, ValidationFailed } from '../http/errors'
import { EmailSender, EmailSendError } from '../email/sender'
import { type CommunicationService, type OutboundDraft, requireText } from './service'
import type { RecipientResolver } from './recipients'
import { EMAIL_BODY_MAX, EMAIL_SETUP_HINT, EMAIL_SUBJECT_MAX } from './model'
import { communicationView } from './view'

interface EmailDraft extends OutboundDraft {
  subject: string
}

/** Outbound e-mail: validate, record, hand to SMTP, record the outcome. */
export class EmailService {
  readonly sender: EmailSender

  constructor(
    private readonly ctx: AppContext,
    private readonly records: CommunicationService,
    private readonly recipients: RecipientResolver,
  ) {
    this.sender = new EmailSender(ctx.config.smtpUrl, ctx.config.emailFrom)
  }

  async prepare(input: { to?: string | null; customer_id?: number | null; subject: string; body: string }): Promise<EmailDraft> {
    const subject = requireText('subject', input.subject, EMAIL_SUBJECT_MAX)
    // A line break in a subject would start a new header line.
    if (/[\r\n]/.test(subject)) throw ValidationFailed.field('subject', 'Must be a single line')
    const body = requireText('body', input.body, EMAIL_BODY_MAX)
    const recipient = await this.recipients.resolve('email', input)
    return { ...recipient, subject: subject.trim(), body }
  }

  assertConfigured(): void {
    if (!this.sender.configured) throw new ServiceUnavailable('Email is not configured', EMAIL_SETUP_HINT)
  }

  async deliver(user: Pick<AuthUser, 'id'>, draft: EmailDraft) {
    const row = await this.records.createOutbound('email', { userId: user.id, from: this.sender.sender }, draft)
    try {
      const info = await this.sender.send({ to: draft.to, subject: draft.subject, text: draft.body })
      const sent = await this.records.markAccepted(row.id, { status: 'sent', externalId: info.messageId || null, from: row.fromAddress })
      this.ctx.metrics.messages.inc({ channel: 'email', direction: 'outbound', status: 'sent' })
      // Addresses and content stay out of the log; the record id leads to them.
      this.ctx.logger.info({ communicationId: row.id, userId: user.id }, 'email handed to smtp')
      return communicationView(sent)
    } catch (error) {
      if (!(error instanceof EmailSendError)) throw error
      await this.records.markFailed(row.id, {
        code: error.responseCode !== null ? String(error.responseCode) : error.kind,
        message: error.message,
      })
      this.ctx.metrics.messages.inc({ channel: 'email', direction: 'outbound', status: 'failed' })
      this.ctx.logger.warn({ communicationId: row.id, userId: user.id, kind: error.kind, code: error.responseCode }, 'email send failed')
      throw new BadGateway(`Email provider error: ${error.message}`)
    }
  }
}
