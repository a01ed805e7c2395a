import { and, eq, isNull, ne } from 'drizzle-orm'
import { randomUUID } from 'node:crypto'
import type { AppContext } from '../context'
import { hashRefreshToken, rotateRefreshFamily, storeRefreshToken } from './refresh-family'

export { hashRefreshToken }

export interface IssuedSession {
  sessionId: string
  accessToken: string
  expiresIn: number
  refreshToken: string
  refreshExpiresAt: Date
}

/**
 * A login session: the family of its refresh tokens, and the id every access
 * token of the login carries. Revoking the session revokes them all.
 */
export class SessionService {
  constructor(private readonly ctx: AppContext) {}

  private get tables() {
    return this.ctx.database.tables
  }

  async start(userId: number): Promise<IssuedSession> {
    const sessionId = randomUUID()
    const refreshExpiresAt = new Date(Date.now() + this.ctx.config.refreshTokenDays * 86_400_000)
    await this.ctx.database.db
      .insert(this.tables.authSessions)
      .values({ id: sessionId, userId, expiresAt: refreshExpiresAt, createdAt: new Date() })
    const refreshToken = await storeRefreshToken(this.ctx, sessionId, 0, refreshExpiresAt)
    await this.recordLogin(userId)
    const access = await this.ctx.tokens.issueAccess(userId, sessionId)
    return { sessionId, accessToken: access.token, expiresIn: access.expiresIn, refreshToken, refreshExpiresAt }
  }

  /** Rotates a refresh token; see rotateRefreshFamily for the reuse and grace rules. */
  async rotate(
    refreshToken: string,
  ): Promise<
    | { ok: true; userId: number; session: IssuedSession }
    | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused'; userId?: number }
  > {
    const rotated = await rotateRefreshFamily(this.ctx, refreshToken)
    if (!rotated.ok) return rotated
    const access = await this.ctx.tokens.issueAccess(rotated.userId, rotated.sessionId)
    return {
      ok: true,
      userId: rotated.userId,
      session: {
        sessionId: rotated.sessionId,
        accessToken: access.token,
        expiresIn: access.expiresIn,
        refreshToken: rotated.refreshToken,
        refreshExpiresAt: rotated.refreshExpiresAt,
      },
    }
  }

  /** A session starts with a successful login: the users admin shows when. */
  private async recordLogin(userId: number): Promise<void> {
    const { users } = this.tables
    await this.ctx.database.db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, userId))
  }

  async sessionOfRefreshToken(refreshToken: string): Promise<string | undefined> {
    const { refreshTokens } = this.tables
    const [row] = await this.ctx.database.db
      .select({ sessionId: refreshTokens.sessionId })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(refreshToken)))
    return row?.sessionId
  }

  async ownerOf(sessionId: string): Promise<number | undefined> {
    const { authSessions } = this.tables
    const [row] = await this.ctx.database.db
      .select({ userId: authSessions.userId })
      .from(authSessions)
      .where(eq(authSessions.id, sessionId))
    return row?.userId
  }

  async revoke(sessionId: string): Promise<void> {
    const { authSessions } = this.tables
    await this.ctx.database.db
      .update(authSessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(authSessions.id, sessionId), isNull(authSessions.revokedAt)))
  }

  /** Ends every session of the user, except `keep` when given (change-password keeps the caller's). */
  async revokeAllOf(userId: number, keep?: string): Promise<void> {
    const { authSessions } = this.tables
    const filters = [eq(authSessions.userId, userId), isNull(authSessions.revokedAt)]
    if (keep) filters.push(ne(authSessions.id, keep))
    await this.ctx.database.db
      .update(authSessions)
      .set({ revokedAt: new Date() })
      .where(and(...filters))
  }
}
