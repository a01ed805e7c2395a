import type { AppContext } from '../context'
import { HttpError, ServiceUnavailable, TooManyRequests, ValidationFailed } from '../http/errors'
import { UserService, normalizeEmail } from '../users/service'
import { passwordProblem } from './passwords'
import { ResetThrottle } from './reset-throttle'
import { RESET_TOKEN_TTL_MS, ResetTokens } from './reset-tokens'
import type { AuthService, Caller } from './service'
import { SessionService } from './sessions'

export const RESET_ACCEPTED_MESSAGE = 'If the address belongs to an active account, a reset link is on its way'
const INVALID_RESET_TOKEN_DETAIL = 'Invalid or expired reset token'

/** Password reset by e-mail; no HTTP here. */
export class PasswordResetService {
  private readonly users: UserService
  private readonly tokens: ResetTokens
  private readonly throttle: ResetThrottle
  private readonly sessions: SessionService

  constructor(
    private readonly ctx: AppContext,
    private readonly auth: AuthService,
  ) {
    this.users = new UserService(ctx.database)
    this.tokens = new ResetTokens(ctx.database)
    this.throttle = new ResetThrottle(ctx.database)
    this.sessions = new SessionService(ctx)
  }

  /** The front end's page: the first origin of FRONTEND_URL (else PUBLIC_URL) + PASSWORD_RESET_PATH. */
  private linkBase(): string | undefined {
    const origin = this.ctx.config.frontendOrigins.find((o) => o !== '*') ?? this.ctx.config.publicUrl
    return origin ? `${origin}${this.ctx.config.passwordResetPath}` : undefined
  }

  /**
   * Same answer whether or not the address is known. The e-mail goes out in
   * the background, so a known address does not take measurably longer.
   */
  async request(rawEmail: string, caller: Caller): Promise<void> {
    const base = this.linkBase()
    if (!this.auth.notices.configured || !base) throw new ServiceUnavailable('Email is not configured')
    const email = normalizeEmail(rawEmail).slice(0, 320)
    const verdict = await this.throttle.take(email, caller.ip)
    if (!verdict.allowed) {
      this.ctx.metrics.rateLimited.inc({ limit: `password_reset_${verdict.scope}` })
      // Per IP: say so. Per address: stay silent, or the answer would tell the address is known.
      if (verdict.scope === 'ip')
        throw new TooManyRequests(
          `Too many password reset requests. Retry after ${verdict.retryAfterSeconds} seconds.`,
          verdict.retryAfterSeconds,
        )
      return
    }
    const row = await this.users.findByEmail(email)
    if (!row?.isActive) return
    // Everything a known address costs more happens after the answer: its timing tells nothing.
    setTimeout(() => void this.sendLink(row, base, caller), 0)
  }

  private async sendLink(row: { id: number; email: string }, base: string, caller: Caller): Promise<void> {
    try {
      const token = await this.tokens.issue(row.id)
      await this.ctx.audit.record({ action: 'auth.password_reset_requested', userId: row.id, actorEmail: row.email, ip: caller.ip })
      await this.auth.notices.passwordResetLink(row.email, `${base}?token=${encodeURIComponent(token)}`, RESET_TOKEN_TTL_MS / 60_000)
    } catch (error) {
      this.ctx.logger.error({ err: (error as Error).name }, 'password reset link not sent')
    }
  }

  /** Sets the new password, ends every session of the user, and tells them by e-mail. */
  async confirm(token: string, newPassword: string, caller: Caller): Promise<void> {
    const userId = await this.tokens.find(token)
    const row = userId === undefined ? undefined : await this.users.findById(userId)
    if (!row?.isActive) return this.invalid()
    // Checked before the token is spent: a refused password leaves the link usable for a better one.
    const problem = await passwordProblem(newPassword, { email: row.email, names: [row.fullName] })
    if (problem) throw ValidationFailed.field('new_password', problem)
    if ((await this.tokens.consume(token)) !== row.id) return this.invalid()
    await this.users.setPassword(row.id, newPassword)
    await this.sessions.revokeAllOf(row.id)
    await this.ctx.audit.record({ action: 'auth.password_reset', userId: row.id, actorEmail: row.email, ip: caller.ip })
    void this.auth.notices.passwordChanged(row.email, 'reset')
  }

  private invalid(): never {
    this.ctx.metrics.authFailures.inc({ reason: 'password_reset' })
    throw new HttpError(400, INVALID_RESET_TOKEN_DETAIL)
  }
}
