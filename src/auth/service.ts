import type { AppContext } from '../context'
import { Forbidden, HttpError, TooManyRequests, Unauthorized, ValidationFailed } from '../http/errors'
import { UserService, normalizeEmail } from '../users/service'
import { userView } from '../users/view'
import { DUMMY_PASSWORD_HASH, passwordProblem, verifyPassword } from './passwords'
import { SessionService, type IssuedSession } from './sessions'
import { LoginThrottle, throttleDetail } from './throttle'
import type { AuthUser } from './plugin'
import type { AuditAction } from '../audit/service'
import { SecurityNotices } from '../email/security-notices'
import type { UserRow } from '../users/view'
import { TwoFactorChallenges, type ChallengeResult } from './two-factor/login-step'
import { SessionDirectory } from './session-list'

const LOGIN_FAILED_DETAIL = 'Incorrect email or password'
export const DISABLED_DETAIL = 'User account is disabled'

export interface LoginResult {
  body: {
    access_token: string
    token_type: 'bearer'
    expires_in: number
    user: ReturnType<typeof userView>
  }
  session: IssuedSession
}

/** Who is asking, for the audit log. */
export interface Caller {
  ip: string
  userAgent?: string | null
}

/** Login, refresh, logout and password changes; no HTTP here. */
export class AuthService {
  readonly sessions: SessionService
  private readonly throttle: LoginThrottle
  private readonly users: UserService
  readonly notices: SecurityNotices
  private readonly challenges: TwoFactorChallenges
  private readonly directory: SessionDirectory

  constructor(private readonly ctx: AppContext) {
    this.sessions = new SessionService(ctx)
    this.throttle = new LoginThrottle(ctx)
    this.users = new UserService(ctx.database)
    this.notices = new SecurityNotices(ctx)
    this.challenges = new TwoFactorChallenges(ctx)
    this.directory = new SessionDirectory(ctx)
  }

  private issue(session: IssuedSession, row: Parameters<typeof userView>[0]): LoginResult {
    return {
      body: { access_token: session.accessToken, token_type: 'bearer', expires_in: session.expiresIn, user: userView(row) },
      session,
    }
  }

  async login(rawEmail: string, password: string, caller: Caller): Promise<LoginResult | ChallengeResult> {
    const email = normalizeEmail(rawEmail).slice(0, 320)
    // An attempt counts as a failure until its password is checked, so simultaneous correct
    // logins of one account would turn each other away (429): in this process, one at a time.
    return this.throttle.oneAtATime(email, () => this.attempt(email, password, caller))
  }

  private async attempt(email: string, password: string, caller: Caller): Promise<LoginResult | ChallengeResult> {
    const verdict = await this.throttle.begin(email, caller.ip)
    if (!verdict.allowed) {
      this.ctx.metrics.rateLimited.inc({ limit: `login_${verdict.scope}` })
      // Anyone can cause this: one row per IP and scope per minute, however fast they try.
      await this.ctx.audit.recordRepeated(
        { action: 'login.throttled', actorEmail: email, ip: caller.ip, details: { scope: verdict.scope } },
        verdict.scope,
      )
      throw new TooManyRequests(throttleDetail(verdict.retryAfterSeconds), verdict.retryAfterSeconds)
    }
    const row = await this.users.findByEmail(email)
    // Hash even when the user is unknown: both failures take the same time.
    const matches = await verifyPassword(password, row?.hashedPassword ?? DUMMY_PASSWORD_HASH)
    if (!row || !matches) {
      this.ctx.metrics.authFailures.inc({ reason: 'login' })
      await this.ctx.audit.record({ action: 'login.failure', userId: row?.id ?? null, actorEmail: email, ip: caller.ip })
      throw new Unauthorized(LOGIN_FAILED_DETAIL)
    }
    await this.throttle.succeeded(verdict.attemptId)
    if (!row.isActive) {
      this.ctx.metrics.forbidden.inc({ reason: 'disabled' })
      await this.ctx.audit.record({
        action: 'login.failure',
        userId: row.id,
        actorEmail: email,
        ip: caller.ip,
        details: { reason: 'disabled' },
      })
      throw new Forbidden(DISABLED_DETAIL)
    }
    // A second factor turns the password step into a challenge (src/auth/two-factor).
    if (row.totpEnabledAt) return this.challenges.begin(row, caller)
    return this.completeLogin(row, caller)
  }

  /** The last step of every login, with or without a second factor: a session, the audit row, the answer. */
  async completeLogin(row: UserRow, caller: Caller): Promise<LoginResult> {
    const session = await this.sessions.start(row.id)
    await this.directory.recordClient(session.sessionId, caller)
    await this.ctx.audit.record({ action: 'login.success', userId: row.id, actorEmail: row.email, ip: caller.ip })
    return this.issue(session, row)
  }

  async refresh(refreshToken: string, caller: Caller): Promise<LoginResult> {
    const rotated = await this.sessions.rotate(refreshToken)
    if (!rotated.ok) {
      if (rotated.reason === 'reused') {
        await this.ctx.audit.record({
          action: 'auth.refresh_reuse',
          userId: rotated.userId ?? null,
          ip: caller.ip,
          details: { family: 'revoked' },
        })
      }
      this.ctx.metrics.authFailures.inc({ reason: `refresh_${rotated.reason}` })
      throw new Unauthorized()
    }
    const row = await this.users.findById(rotated.userId)
    if (!row) {
      await this.sessions.revoke(rotated.session.sessionId)
      throw new Unauthorized()
    }
    if (!row.isActive) {
      await this.sessions.revoke(rotated.session.sessionId)
      this.ctx.metrics.forbidden.inc({ reason: 'disabled' })
      throw new Forbidden(DISABLED_DETAIL)
    }
    return this.issue(rotated.session, row)
  }

  async logoutAll(user: AuthUser, caller: Caller): Promise<void> {
    await this.sessions.revokeAllOf(user.id)
    await this.ctx.audit.record({ action: 'auth.logout_all', userId: user.id, actorEmail: user.email, ip: caller.ip })
  }

  async changePassword(user: AuthUser, currentPassword: string, newPassword: string, caller: Caller): Promise<void> {
    // A wrong current password is a failed login of the account: same throttle, same lock-out.
    const matches = await this.throttledCheck(user.email, caller, 'auth.password_change_throttled', async () => {
      const row = await this.users.findById(user.id)
      return Boolean(row && (await verifyPassword(currentPassword, row.hashedPassword)))
    })
    if (!matches) {
      this.ctx.metrics.authFailures.inc({ reason: 'change_password' })
      await this.ctx.audit.record({ action: 'auth.password_change_failed', userId: user.id, actorEmail: user.email, ip: caller.ip })
      throw new HttpError(400, 'Current password is incorrect')
    }
    const problem = await passwordProblem(newPassword, { email: user.email, names: [user.fullName] })
    if (problem) throw ValidationFailed.field('new_password', problem)
    await this.users.setPassword(user.id, newPassword)
    // Other sessions end; the one that asked goes on.
    await this.sessions.revokeAllOf(user.id, user.sessionId)
    await this.ctx.audit.record({ action: 'auth.password_changed', userId: user.id, actorEmail: user.email, ip: caller.ip })
    this.notices.passwordChanged(user.email, 'self')
  }

  /**
   * Checks a secret (current password, second factor) as an attempt of the
   * account's login throttle: 429 with Retry-After while the account is
   * locked, and a false answer counts like a failed login.
   */
  async throttledCheck(email: string, caller: Caller, throttledAction: AuditAction, check: () => Promise<boolean>): Promise<boolean> {
    return this.throttle.oneAtATime(email, async () => {
      const verdict = await this.throttle.begin(email, caller.ip)
      if (!verdict.allowed) {
        this.ctx.metrics.rateLimited.inc({ limit: `login_${verdict.scope}` })
        await this.ctx.audit.record({ action: throttledAction, actorEmail: email, ip: caller.ip, details: { scope: verdict.scope } })
        throw new TooManyRequests(throttleDetail(verdict.retryAfterSeconds), verdict.retryAfterSeconds)
      }
      if (!(await check())) return false
      await this.throttle.succeeded(verdict.attemptId)
      return true
    })
  }
}
