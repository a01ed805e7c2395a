import type { AppContext } from '../context'
import { EmailSender, EmailSendError } from './sender'

export type ChangedBy = 'self' | 'reset' | 'admin' | 'console'

const PASSWORD_CHANGED: Record<ChangedBy, string> = {
  self: 'The password of your CRM account was changed from a signed-in session.',
  reset: 'The password of your CRM account was reset through a link sent to this address.',
  admin: 'An administrator set a new password for your CRM account.',
  console: 'An administrator set a new password for your CRM account from the server console.',
}

const TWO_FACTOR_OFF: Record<ChangedBy, string> = {
  self: 'Two-factor sign-in was turned off for your CRM account from a signed-in session.',
  reset: 'Two-factor sign-in was turned off for your CRM account.',
  admin: 'An administrator turned off two-factor sign-in for your CRM account.',
  console: 'An administrator turned off two-factor sign-in for your CRM account from the server console.',
}

const NOT_YOU = 'If this wasn’t you, reset your password at once and tell your administrator: someone else may have access to your account.'

/** The text of a notice about a change to the account: what changed, when, and what to do if it wasn't you. */
const changeReport = (what: string) => `${what}\n\nWhen: ${new Date().toUTCString()}\n\n${NOT_YOU}\n`

/**
 * The "if this wasn't you" e-mails and the password reset link, sent when
 * SMTP is configured. They never carry a password, code or token other than
 * the reset link itself, and a failed send never fails the change it reports.
 */
export class SecurityNotices {
  private readonly sender: EmailSender

  constructor(private readonly ctx: AppContext) {
    this.sender = new EmailSender(ctx.config.smtpUrl, ctx.config.emailFrom)
  }

  get configured(): boolean {
    return this.sender.configured
  }

  passwordChanged(to: string, by: ChangedBy): Promise<void> {
    return this.deliver('password_changed', to, 'Your CRM password was changed', changeReport(PASSWORD_CHANGED[by]))
  }

  twoFactorDisabled(to: string, by: ChangedBy): Promise<void> {
    return this.deliver('two_factor_disabled', to, 'Two-factor sign-in was turned off', changeReport(TWO_FACTOR_OFF[by]))
  }

  passwordResetLink(to: string, link: string, minutes: number): Promise<void> {
    const text =
      `Someone asked to reset the password of the CRM account for this address.\n\n` +
      `To choose a new password, open this link within ${minutes} minutes:\n\n${link}\n\n` +
      `The link works once. If you did not ask for it, ignore this e-mail: your password stays as it is.\n`
    return this.deliver('password_reset', to, 'Reset your CRM password', text)
  }

  /** Resolves whatever happens; the log line names the kind of notice, never the address or the text. */
  private async deliver(kind: string, to: string, subject: string, text: string): Promise<void> {
    if (!this.sender.configured) return
    try {
      await this.sender.send({ to, subject, text })
      this.ctx.logger.info({ notice: kind }, 'security e-mail sent')
    } catch (error) {
      const reason = error instanceof EmailSendError ? error.kind : 'error'
      this.ctx.logger.warn({ notice: kind, reason }, 'security e-mail failed')
    }
  }
}
