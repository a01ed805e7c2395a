import type { AppContext } from '../../context'
import { SecurityNotices } from '../../email/security-notices'
import { Forbidden, NotFound } from '../../http/errors'
import type { Actor } from '../../users/management'
import { USER_NOT_FOUND_DETAIL } from '../../users/management'
import { UserService } from '../../users/service'
import { clearTwoFactor } from './service'

/**
 * A superuser (or the console) turns off another user's two-factor sign-in,
 * e.g. after a lost phone; the user enrols again at the next sign-in.
 * Returns the notice's delivery so the CLI can wait for it.
 */
export async function resetTwoFactor(
  ctx: AppContext,
  actor: Actor,
  userId: number,
): Promise<{ wasEnabled: boolean; notice: Promise<void> }> {
  // Turning off one's own second factor needs the password and a code (POST /auth/2fa/disable).
  if (actor.kind === 'user' && actor.id === userId) throw new Forbidden('Use POST /api/v2/auth/2fa/disable for your own account')
  const row = await new UserService(ctx.database).findById(userId)
  if (!row) throw new NotFound(USER_NOT_FOUND_DETAIL)
  const wasEnabled = row.totpEnabledAt !== null
  await clearTwoFactor(ctx, row.id)
  await ctx.audit.record({
    action: 'auth.2fa_reset',
    userId: actor.kind === 'user' ? actor.id : null,
    actorEmail: actor.kind === 'user' ? actor.email : 'cli',
    target: `user:${row.id} ${row.email}`,
    ip: actor.kind === 'user' ? actor.ip : null,
    details: { was_enabled: wasEnabled },
  })
  const notice = wasEnabled
    ? new SecurityNotices(ctx).twoFactorDisabled(row.email, actor.kind === 'user' ? 'admin' : 'console')
    : Promise.resolve()
  return { wasEnabled, notice }
}
