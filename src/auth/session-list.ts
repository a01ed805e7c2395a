import { and, desc, eq, gt, isNull } from 'drizzle-orm'
import type { AppContext } from '../context'

/** last_used_at is written at most this often per session: a read-mostly hot path stays read-only. */
export const TOUCH_INTERVAL_MS = 60_000
const MAX_TRACKED = 50_000

export interface SessionEntry {
  id: string
  created_at: string
  last_used_at: string | null
  expires_at: string
  ip: string | null
  user_agent: string | null
  current: boolean
}

const activity = new WeakMap<AppContext, Map<string, number>>()

/**
 * Notes that a session was used. At most one UPDATE per session per minute in
 * this process, sent without waiting for it (on SQLite, skipped when another
 * process holds the write lock); a missed write only leaves the timestamp a little older.
 */
export function touchSession(ctx: AppContext, sessionId: string, now = Date.now()): void {
  let seen = activity.get(ctx)
  if (!seen) {
    seen = new Map()
    activity.set(ctx, seen)
  }
  const last = seen.get(sessionId)
  if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return
  if (seen.size >= MAX_TRACKED) seen.clear()
  seen.set(sessionId, now)
  ctx.sessionStore.touch(sessionId, now)
}

/** The sessions a user can see and end: live ones only, newest first. */
export class SessionDirectory {
  constructor(private readonly ctx: AppContext) {}

  /** Where a new login came from; shown in the list. */
  async recordClient(sessionId: string, client: { ip?: string; userAgent?: string | null }): Promise<void> {
    const { authSessions } = this.ctx.database.tables
    await this.ctx.database.db
      .update(authSessions)
      .set({ ip: client.ip ?? null, userAgent: client.userAgent?.slice(0, 512) ?? null, lastUsedAt: new Date() })
      .where(eq(authSessions.id, sessionId))
  }

  async list(userId: number, currentSessionId?: string): Promise<SessionEntry[]> {
    const { authSessions } = this.ctx.database.tables
    const rows = await this.ctx.database.db
      .select()
      .from(authSessions)
      .where(and(eq(authSessions.userId, userId), isNull(authSessions.revokedAt), gt(authSessions.expiresAt, new Date())))
      .orderBy(desc(authSessions.createdAt))
    return rows.map((row) => ({
      id: row.id,
      created_at: row.createdAt.toISOString(),
      last_used_at: row.lastUsedAt?.toISOString() ?? null,
      expires_at: row.expiresAt.toISOString(),
      ip: row.ip,
      user_agent: row.userAgent,
      current: row.id === currentSessionId,
    }))
  }

  /** Ends one live session of this user (its access tokens and refresh family at once); false when there is none. */
  async end(userId: number, sessionId: string): Promise<boolean> {
    const { authSessions } = this.ctx.database.tables
    const ended = await this.ctx.database.db
      .update(authSessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(authSessions.id, sessionId), eq(authSessions.userId, userId), isNull(authSessions.revokedAt)))
      .returning({ id: authSessions.id })
    return ended.length === 1
  }

  /** Ends every live session of the user; the number ended. */
  async endAll(userId: number): Promise<number> {
    const { authSessions } = this.ctx.database.tables
    const ended = await this.ctx.database.db
      .update(authSessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(authSessions.userId, userId), isNull(authSessions.revokedAt)))
      .returning({ id: authSessions.id })
    return ended.length
  }
}
