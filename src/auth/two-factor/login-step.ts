import type { AppContext } from '../../context'
import type { UserRow } from '../../users/view'
import { LoginChallenges } from './challenges'

/** What the password step answers for an account with two-factor sign-in: no session yet. */
export interface ChallengeResult {
  body: { two_factor_required: true; challenge: string }
  session?: undefined
}

/** The password was right and the account has 2FA: hand out a challenge for POST /auth/2fa/verify. */
export class TwoFactorChallenges {
  private readonly store: LoginChallenges

  constructor(private readonly ctx: AppContext) {
    this.store = new LoginChallenges(ctx.database)
  }

  async begin(row: UserRow, caller: { ip: string; userAgent?: string | null }): Promise<ChallengeResult> {
    const challenge = await this.store.issue(row.id, caller)
    await this.ctx.audit.record({ action: 'login.2fa_required', userId: row.id, actorEmail: row.email, ip: caller.ip })
    return { body: { two_factor_required: true, challenge } }
  }
}
