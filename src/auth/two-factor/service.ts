import { and, eq, isNull, lt, or } from 'drizzle-orm'
import type { AppContext } from '../../context'
import { Conflict, Forbidden, HttpError, Unauthorized } from '../../http/errors'
import { UserService } from '../../users/service'
import type { UserRow } from '../../users/view'
import type { AuthUser } from '../plugin'
import { verifyPassword } from '../passwords'
import { DISABLED_DETAIL, type AuthService, type Caller, type LoginResult } from '../service'
import { LoginChallenges } from './challenges'
import { RecoveryCodes } from './recovery-codes'
import { SecretBox } from './secret-box'
import { isTotpCode, newTotpSecret, otpauthUri, qrCodeDataUrl, totpStep } from './totp'

const INVALID_CODE_DETAIL = 'Invalid two-factor code'
const INVALID_CHALLENGE_DETAIL = 'Invalid or expired two-factor challenge'
const WRONG_PASSWORD_DETAIL = 'Current password is incorrect'

/** TOTP enrolment, the second login step, and turning it off; no HTTP here. */
export class TwoFactorService {
  private readonly box: SecretBox
  private readonly users: UserService
  readonly recoveryCodes: RecoveryCodes
  private readonly challenges: LoginChallenges

  constructor(
    private readonly ctx: AppContext,
    private readonly auth: AuthService,
  ) {
    this.box = new SecretBox(ctx.config.secretKey)
    this.users = new UserService(ctx.database)
    this.recoveryCodes = new RecoveryCodes(ctx.database)
    this.challenges = new LoginChallenges(ctx.database)
  }

  private async row(userId: number): Promise<UserRow> {
    const row = await this.users.findById(userId)
    if (!row) throw new Unauthorized()
    return row
  }

  private async secretOf(row: UserRow): Promise<string | undefined> {
    return row.totpSecret ? this.box.open(row.totpSecret, String(row.id)) : undefined
  }

  /**
   * Accepts an authenticator code at most once: the step it belongs to must be
   * later than the last accepted one (one conditional UPDATE, so two requests
   * with the same code cannot both pass). Recovery codes are single use.
   */
  private async acceptCode(row: UserRow, code: string, allowRecovery: boolean): Promise<'totp' | 'recovery' | undefined> {
    const trimmed = code.trim()
    if (isTotpCode(trimmed.replace(/\s/g, ''))) {
      const secret = await this.secretOf(row)
      const step = secret === undefined ? undefined : totpStep(secret, trimmed.replace(/\s/g, ''))
      if (step === undefined) return undefined
      const { users } = this.ctx.database.tables
      const accepted = await this.ctx.database.db
        .update(users)
        .set({ totpLastStep: step })
        .where(and(eq(users.id, row.id), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
        .returning({ id: users.id })
      return accepted.length === 1 ? 'totp' : undefined
    }
    if (allowRecovery && (await this.recoveryCodes.consume(row.id, trimmed))) return 'recovery'
    return undefined
  }

  private async failed(user: Pick<UserRow, 'id' | 'email'>, caller: Caller, step: string, reason: 'password' | 'code'): Promise<never> {
    this.ctx.metrics.authFailures.inc({ reason: `2fa_${step}` })
    await this.ctx.audit.record({
      action: 'auth.2fa_failure',
      userId: user.id,
      actorEmail: user.email,
      ip: caller.ip,
      details: { step, reason },
    })
    throw new HttpError(400, reason === 'password' ? WRONG_PASSWORD_DETAIL : INVALID_CODE_DETAIL)
  }

  /** A code from the authenticator app (not a recovery code), counted by the login throttle; 400 when wrong. */
  private async requireAppCode(row: UserRow, code: string, caller: Caller, step: string): Promise<void> {
    const ok = await this.auth.throttledCheck(
      row.email,
      caller,
      'login.throttled',
      async () => (await this.acceptCode(row, code, false)) === 'totp',
    )
    if (!ok) await this.failed(row, caller, step, 'code')
  }

  /** A new secret, pending until /enable proves the app has it. Replaces an earlier pending one. */
  async setup(user: AuthUser, password: string, caller: Caller) {
    const row = await this.row(user.id)
    if (row.totpEnabledAt) throw new Conflict('Two-factor authentication is already enabled')
    const ok = await this.auth.throttledCheck(row.email, caller, 'login.throttled', () => verifyPassword(password, row.hashedPassword))
    if (!ok) return this.failed(row, caller, 'setup', 'password')
    const secret = newTotpSecret()
    const { users } = this.ctx.database.tables
    await this.ctx.database.db
      .update(users)
      .set({ totpSecret: await this.box.seal(secret, String(row.id)), totpLastStep: null })
      .where(and(eq(users.id, row.id), isNull(users.totpEnabledAt)))
    const uri = otpauthUri(secret, row.email)
    return { secret, otpauth_uri: uri, qr_code: await qrCodeDataUrl(uri) }
  }

  async enable(user: AuthUser, code: string, caller: Caller) {
    const row = await this.row(user.id)
    if (row.totpEnabledAt) throw new Conflict('Two-factor authentication is already enabled')
    if (!row.totpSecret || !(await this.secretOf(row))) throw new Conflict('No pending setup: call POST /api/v2/auth/2fa/setup first')
    await this.requireAppCode(row, code, caller, 'enable')
    const { users } = this.ctx.database.tables
    // Only the secret the code was checked against is enabled, even if another setup raced in.
    const enabled = await this.ctx.database.db
      .update(users)
      .set({ totpEnabledAt: new Date() })
      .where(and(eq(users.id, row.id), isNull(users.totpEnabledAt), eq(users.totpSecret, row.totpSecret)))
      .returning({ id: users.id })
    if (enabled.length !== 1) throw new Conflict('The pending setup changed: start again')
    const codes = await this.recoveryCodes.replace(row.id)
    await this.ctx.audit.record({ action: 'auth.2fa_enabled', userId: row.id, actorEmail: row.email, ip: caller.ip })
    return { recovery_codes: codes }
  }

  async regenerateRecoveryCodes(user: AuthUser, code: string, caller: Caller) {
    const row = await this.row(user.id)
    if (!row.totpEnabledAt) throw new Conflict('Two-factor authentication is not enabled')
    await this.requireAppCode(row, code, caller, 'recovery_codes')
    const codes = await this.recoveryCodes.replace(row.id)
    await this.ctx.audit.record({ action: 'auth.2fa_recovery_codes', userId: row.id, actorEmail: row.email, ip: caller.ip })
    return { recovery_codes: codes }
  }

  async disable(user: AuthUser, password: string, code: string, caller: Caller): Promise<void> {
    const row = await this.row(user.id)
    if (!row.totpEnabledAt) throw new Conflict('Two-factor authentication is not enabled')
    let failure: 'password' | 'code' | undefined
    const ok = await this.auth.throttledCheck(row.email, caller, 'login.throttled', async () => {
      if (!(await verifyPassword(password, row.hashedPassword))) failure = 'password'
      else if (!(await this.acceptCode(row, code, true))) failure = 'code'
      return failure === undefined
    })
    if (!ok) return this.failed(row, caller, 'disable', failure ?? 'code')
    await clearTwoFactor(this.ctx, row.id)
    await this.ctx.audit.record({ action: 'auth.2fa_disabled', userId: row.id, actorEmail: row.email, ip: caller.ip })
    void this.auth.notices.twoFactorDisabled(row.email, 'self')
  }

  /** Second login step: a live challenge and a code (authenticator or recovery) complete the login. */
  async verifyLogin(challengeToken: string, code: string, caller: Caller): Promise<LoginResult> {
    const challenge = await this.challenges.find(challengeToken)
    const row = challenge && (await this.users.findById(challenge.userId))
    if (!challenge || !row?.totpEnabledAt) {
      this.ctx.metrics.authFailures.inc({ reason: '2fa_challenge' })
      throw new Unauthorized(INVALID_CHALLENGE_DETAIL)
    }
    let used: 'totp' | 'recovery' | undefined
    const ok = await this.auth.throttledCheck(row.email, caller, 'login.throttled', async () => {
      used = await this.acceptCode(row, code, true)
      return used !== undefined
    })
    if (!ok) {
      this.ctx.metrics.authFailures.inc({ reason: '2fa_code' })
      await this.ctx.audit.record({ action: 'login.2fa_failure', userId: row.id, actorEmail: row.email, ip: caller.ip })
      throw new Unauthorized(INVALID_CODE_DETAIL)
    }
    if (!(await this.challenges.consume(challenge))) throw new Unauthorized(INVALID_CHALLENGE_DETAIL)
    if (used === 'recovery') {
      const remaining = await this.recoveryCodes.remaining(row.id)
      await this.ctx.audit.record({
        action: 'auth.2fa_recovery_code_used',
        userId: row.id,
        actorEmail: row.email,
        ip: caller.ip,
        details: { remaining },
      })
    }
    if (!row.isActive) {
      this.ctx.metrics.forbidden.inc({ reason: 'disabled' })
      throw new Forbidden(DISABLED_DETAIL)
    }
    return this.auth.completeLogin(row, caller)
  }
}

/** Turns two-factor sign-in off and forgets the secret and the recovery codes (disable, admin reset, CLI). */
export async function clearTwoFactor(ctx: AppContext, userId: number): Promise<void> {
  const { users } = ctx.database.tables
  await ctx.database.db.update(users).set({ totpSecret: null, totpEnabledAt: null, totpLastStep: null }).where(eq(users.id, userId))
  await new RecoveryCodes(ctx.database).clear(userId)
}
