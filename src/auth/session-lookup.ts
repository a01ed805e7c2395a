import { eq } from 'drizzle-orm'
import { writeIfNotBusy, type Database, type PostgresDatabase, type SqliteDatabase } from '../db/client'

/** The user's own fields that a session lookup reads and the signed-in user carries. */
export interface UserProfile {
  id: number
  email: string
  fullName: string
  firstName: string
  lastName: string
  lastLoginAt: Date | null
}

export interface SessionUserRow extends UserProfile {
  role: string
  isSuperuser: boolean
  isActive: boolean
  createdAt: Date
  sessionRevokedAt: Date | null
  twoFactorEnabled: boolean
}

/** The queries every authenticated request makes: one implementation per database, each prepared once. */
export interface SessionStore {
  /**
   * The user and the state of this session of theirs; undefined when either does not exist.
   * Synchronous where the driver is (SQLite): every authenticated request waits on it otherwise.
   */
  lookup(userId: number, sessionId: string): SessionUserRow | undefined | Promise<SessionUserRow | undefined>
  /** Records that the session was used, without waiting; a write that fails or is skipped only leaves last_used_at older. */
  touch(sessionId: string, at: number): void
}

/** The lookup's columns in SELECT order; each driver has its own types for instants and flags. */
type LookupColumns<Instant, Flag> = [
  number,
  string,
  string,
  string,
  Flag,
  Flag,
  Instant,
  Instant | null,
  Flag,
  string,
  string,
  Instant | null,
]

/** One row of either driver as the signed-in user's record; the session's own row is known to exist. */
function sessionUserRow<Instant, Flag>(row: LookupColumns<Instant, Flag>, instant: (value: Instant) => Date): SessionUserRow {
  const [id, email, fullName, role, isSuperuser, isActive, createdAt, revokedAt, twoFactor, firstName, lastName, lastLoginAt] = row
  return {
    id,
    email,
    fullName,
    firstName,
    lastName,
    lastLoginAt: lastLoginAt === null ? null : instant(lastLoginAt),
    role,
    isSuperuser: Boolean(isSuperuser),
    isActive: Boolean(isActive),
    createdAt: instant(createdAt),
    sessionRevokedAt: revokedAt === null ? null : instant(revokedAt),
    twoFactorEnabled: Boolean(twoFactor),
  }
}

type SqliteLookupColumns = LookupColumns<number, number>

/** SQLite: raw bun:sqlite statements; drizzle's mapping layer cost more than the query itself. */
function sqliteSessionStore({ handle }: SqliteDatabase): SessionStore {
  // Prepared on first use: the context may be built before migrations have run.
  // values() (arrays) is markedly cheaper in bun:sqlite than building named-column objects.
  const prepare = () =>
    handle.prepare<SqliteLookupColumns, [number, string]>(
      // A scalar subquery rather than a join: same two index lookups, measurably cheaper in bun:sqlite.
      // coalesce(revoked_at, 0): NULL now means "no such session of this user", 0 "not revoked".
      `SELECT u.id, u.email, u.full_name, u.role, u.is_superuser, u.is_active, u.created_at,
            (SELECT coalesce(s.revoked_at, 0) FROM auth_sessions s WHERE s.id = ?2 AND s.user_id = u.id),
            u.totp_enabled_at IS NOT NULL, u.first_name, u.last_name, u.last_login_at
       FROM api_users u
      WHERE u.id = ?1`,
    )
  let statement: ReturnType<typeof prepare> | undefined
  return {
    lookup(userId, sessionId) {
      statement ??= prepare()
      const row = statement.values(userId, sessionId)[0] as SqliteLookupColumns | undefined
      // revokedAt: NULL means no such session of this user, 0 not revoked.
      if (!row || row[7] === null) return undefined
      if (row[7] === 0) row[7] = null
      return sessionUserRow(row, (ms) => new Date(ms))
    },
    touch(sessionId, at) {
      // Skipped while another process holds the write lock: waiting would stall this request.
      writeIfNotBusy(handle, () => handle.query('UPDATE auth_sessions SET last_used_at = ? WHERE id = ?').run(at, sessionId))
    },
  }
}

type PostgresLookupColumns = LookupColumns<Date, boolean>

/**
 * PostgreSQL: one prepared statement on Bun's native client (database.hot),
 * rows read as arrays: postgres.js spent more CPU per query on its socket than
 * the whole rest of the request, and this runs on every authenticated request.
 */
function postgresSessionStore({ hot, pgDb, pgTables }: PostgresDatabase): SessionStore {
  const { authSessions } = pgTables
  const text = `SELECT u.id, u.email, u.full_name, u.role, u.is_superuser, u.is_active, u.created_at, s.revoked_at,
          u.totp_enabled_at IS NOT NULL, u.first_name, u.last_name, u.last_login_at
     FROM api_users u JOIN auth_sessions s ON s.user_id = u.id
    WHERE u.id = $1 AND s.id = $2`
  return {
    async lookup(userId, sessionId) {
      const [row] = (await hot.unsafe(text, [userId, sessionId]).values()) as PostgresLookupColumns[]
      return row ? sessionUserRow(row, (at) => at) : undefined
    },
    touch(sessionId, at) {
      pgDb
        .update(authSessions)
        .set({ lastUsedAt: new Date(at) })
        .where(eq(authSessions.id, sessionId))
        .then(
          () => {},
          () => {},
        )
    },
  }
}

export function createSessionStore(database: Database): SessionStore {
  return database.kind === 'sqlite' ? sqliteSessionStore(database) : postgresSessionStore(database)
}
