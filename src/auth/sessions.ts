import { and, eq, isNull, ne } from 'drizzle-orm'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { AppContext } from '../context'

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

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

  private async newRefreshToken(sessionId: string, expiresAt: Date): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    await this.ctx.database.db.insert(this.tables.refreshTokens).values({
      tokenHash: hashRefreshToken(token),
      sessionId,
      expiresAt,
      createdAt: new Date(),
    })
    return token
  }

  async start(userId: number): Promise<IssuedSession> {
    const sessionId = randomUUID()
    const refreshExpiresAt = new Date(Date.now() + this.ctx.config.refreshTokenDays * 86_400_000)
    await this.ctx.database.db.insert(this.tables.authSessions).values({ id: sessionId, userId, expiresAt: refreshExpiresAt, createdAt: new Date() })
    const refreshToken = await this.newRefreshToken(sessionId, refreshExpiresAt)
    const access = await this.ctx.tokens.issueAccess(userId, sessionId)
    return { sessionId, accessToken: access.token, expiresIn: access.expiresIn, refreshToken, refreshExpiresAt }
  }

  /**
   * Rotates a refresh token. The consume is one conditional UPDATE, so two
   * concurrent uses cannot both win; presenting an already-used token revokes
   * the whole family (it was stolen or replayed).
   */
  async rotate(refreshToken: string): Promise<
    { ok: true; userId: number; session: IssuedSession } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused'; userId?: number }
  > {
    const { refreshTokens, authSessions } = this.tables
    const db = this.ctx.database.db
    const tokenHash = hashRefreshToken(refreshToken)
    const now = new Date()
    const [consumed] = await db
      .update(refreshTokens)
      .set({ usedAt: now })
      .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt)))
      .returning({ sessionId: refreshTokens.sessionId, expiresAt: refreshTokens.expiresAt })
    if (!consumed) {
      const [known] = await db.select({ sessionId: refreshTokens.sessionId }).from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash))
      if (!known) return { ok: false, reason: 'unknown' }
      const [family] = await db
        .update(authSessions)
        .set({ revokedAt: now })
        .where(eq(authSessions.id, known.sessionId))
        .returning({ userId: authSessions.userId })
      return { ok: false, reason: 'reused', userId: family?.userId }
    }
    const [session] = await db.select().from(authSessions).where(eq(authSessions.id, consumed.sessionId))
    if (!session || session.revokedAt) return { ok: false, reason: 'revoked', userId: session?.userId }
    if (consumed.expiresAt.getTime() <= now.getTime() || session.expiresAt.getTime() <= now.getTime()) {
      return { ok: false, reason: 'expired', userId: session.userId }
    }
    const nextRefresh = await this.newRefreshToken(session.id, session.expiresAt)
    const access = await this.ctx.tokens.issueAccess(session.userId, session.id)
    return {
      ok: true,
      userId: session.userId,
      session: {
        sessionId: session.id,
        accessToken: access.token,
        expiresIn: access.expiresIn,
        refreshToken: nextRefresh,
        refreshExpiresAt: session.expiresAt,
      },
    }
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
    const [row] = await this.ctx.database.db.select({ userId: authSessions.userId }).from(authSessions).where(eq(authSessions.id, sessionId))
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
    await this.ctx.database.db.update(authSessions).set({ revokedAt: new Date() }).where(and(...filters))
  }
}
