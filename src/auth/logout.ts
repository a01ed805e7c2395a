import type { AppContext } from '../context'
import { UserService } from '../users/service'
import type { AccessClaims } from './tokens'
import type { SessionService } from './sessions'

/** What a logout request carried; any of it may be missing, expired or foreign. */
export interface PresentedCredentials {
  /** Claims of a Bearer token we signed, expired or not. */
  bearer?: AccessClaims
  /** Claims of the `session` cookie, when it is a token we signed. */
  sessionCookie?: AccessClaims
  refreshCookie?: string
}

/**
 * Ends the sessions a logout request names, and only those: the access token's
 * (expired ones included: it still names its session) and the refresh
 * cookie's. A refresh cookie of another user than the access token's is left
 * alone. Audited; returns the user whose sessions ended, if any.
 */
export async function endPresentedSessions(
  ctx: AppContext,
  sessions: SessionService,
  presented: PresentedCredentials,
  caller: { ip: string },
): Promise<number | undefined> {
  let owner: number | undefined
  const ended = new Set<string>()
  for (const claims of [presented.bearer, presented.sessionCookie]) {
    if (!claims || ended.has(claims.sid)) continue
    const userId = Number(claims.sub)
    if (owner !== undefined && owner !== userId) continue
    if ((await sessions.ownerOf(claims.sid)) !== userId) continue
    await sessions.revoke(claims.sid)
    ended.add(claims.sid)
    owner = userId
  }
  if (presented.refreshCookie) {
    const sessionId = await sessions.sessionOfRefreshToken(presented.refreshCookie)
    const userId = sessionId ? await sessions.ownerOf(sessionId) : undefined
    if (sessionId && userId !== undefined && !ended.has(sessionId) && (owner === undefined || owner === userId)) {
      await sessions.revoke(sessionId)
      owner = userId
    }
  }
  if (owner !== undefined) {
    const user = await new UserService(ctx.database).findById(owner)
    await ctx.audit.record({ action: 'auth.logout', userId: owner, actorEmail: user?.email ?? null, ip: caller.ip })
  }
  return owner
}
