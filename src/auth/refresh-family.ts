import { and, eq, isNull } from 'drizzle-orm'
import { createHmac, createHash } from 'node:crypto'
import type { AppContext } from '../context'

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/**
 * The refresh token of one generation of a session. Derived (HMAC with
 * SECRET_KEY) rather than random, so the family's current token can be handed
 * out again to a parallel request that lost the rotation race, while the
 * database still holds only hashes.
 */
function refreshTokenFor(secretKey: string, sessionId: string, generation: number): string {
  return createHmac('sha256', secretKey).update(`refresh-token:${sessionId}:${generation}`).digest('base64url')
}

export type RotationResult =
  | { ok: true; userId: number; sessionId: string; refreshToken: string; refreshExpiresAt: Date }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused'; userId?: number }

/** Stores the hash of a generation's refresh token; storing it twice is harmless. */
export async function storeRefreshToken(ctx: AppContext, sessionId: string, generation: number, expiresAt: Date): Promise<string> {
  const token = refreshTokenFor(ctx.config.secretKey, sessionId, generation)
  await ctx.database.db
    .insert(ctx.database.tables.refreshTokens)
    .values({ tokenHash: hashRefreshToken(token), sessionId, expiresAt, createdAt: new Date() })
    .onConflictDoNothing()
  return token
}

/**
 * Rotates a session's refresh token. The current one moves the session to the
 * next generation with one conditional UPDATE (compare-and-set on
 * refresh_generation), so of several simultaneous uses exactly one rotates.
 * A token that was already rotated, presented again within
 * REFRESH_REUSE_GRACE_SECONDS (several tabs, several failed requests at
 * once), gets the family's current token; later, reuse means theft or replay
 * and revokes the whole family.
 */
export async function rotateRefreshFamily(ctx: AppContext, presented: string): Promise<RotationResult> {
  const { refreshTokens, authSessions } = ctx.database.tables
  const db = ctx.database.db
  const presentedHash = hashRefreshToken(presented)
  const [token] = await db
    .select({ sessionId: refreshTokens.sessionId, usedAt: refreshTokens.usedAt, expiresAt: refreshTokens.expiresAt })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, presentedHash))
  if (!token) return { ok: false, reason: 'unknown' }
  const [session] = await db.select().from(authSessions).where(eq(authSessions.id, token.sessionId))
  if (!session) return { ok: false, reason: 'unknown' }
  if (session.revokedAt) return { ok: false, reason: 'revoked', userId: session.userId }
  const now = new Date()
  if (token.expiresAt.getTime() <= now.getTime() || session.expiresAt.getTime() <= now.getTime()) {
    return { ok: false, reason: 'expired', userId: session.userId }
  }

  const generation = session.refreshGeneration
  // Generation 0 of a session may hold a random token issued before tokens were derived.
  const isCurrent =
    token.usedAt === null && (generation === 0 || presented === refreshTokenFor(ctx.config.secretKey, session.id, generation))
  if (isCurrent) {
    // Stored before the session moves on, so the new token is valid as soon as anyone can hand it out.
    const next = await storeRefreshToken(ctx, session.id, generation + 1, session.expiresAt)
    const [advanced] = await db
      .update(authSessions)
      .set({ refreshGeneration: generation + 1 })
      .where(and(eq(authSessions.id, session.id), eq(authSessions.refreshGeneration, generation), isNull(authSessions.revokedAt)))
      .returning({ id: authSessions.id })
    if (advanced) {
      await db
        .update(refreshTokens)
        .set({ usedAt: now })
        .where(and(eq(refreshTokens.tokenHash, presentedHash), isNull(refreshTokens.usedAt)))
      return { ok: true, userId: session.userId, sessionId: session.id, refreshToken: next, refreshExpiresAt: session.expiresAt }
    }
    // Another request rotated this very token a moment ago.
  }

  // Not marked used yet: its rotation is under way right now.
  const rotatedAt = token.usedAt?.getTime() ?? now.getTime()
  if (now.getTime() - rotatedAt > ctx.config.refreshReuseGraceSeconds * 1000) {
    await db
      .update(authSessions)
      .set({ revokedAt: now })
      .where(and(eq(authSessions.id, session.id), isNull(authSessions.revokedAt)))
    return { ok: false, reason: 'reused', userId: session.userId }
  }
  const [current] = await db
    .select({ generation: authSessions.refreshGeneration, revokedAt: authSessions.revokedAt })
    .from(authSessions)
    .where(eq(authSessions.id, session.id))
  if (!current || current.revokedAt) return { ok: false, reason: 'revoked', userId: session.userId }
  return {
    ok: true,
    userId: session.userId,
    sessionId: session.id,
    // Stored again (a no-op normally): after a SECRET_KEY change the derived token is a new one.
    refreshToken: await storeRefreshToken(ctx, session.id, current.generation, session.expiresAt),
    refreshExpiresAt: session.expiresAt,
  }
}
