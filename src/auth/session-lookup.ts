import { and, eq, sql } from 'drizzle-orm'
import type { Database } from '../db/client'

/** Runs on every authenticated request, so it is one prepared statement. */
export function createSessionUserLookup(database: Database) {
  const { users, authSessions } = database.tables
  const query = database.db
    .select({
      id: users.id,
      email: users.email,
      fullName: users.fullName,
      role: users.role,
      isSuperuser: users.isSuperuser,
      isActive: users.isActive,
      createdAt: users.createdAt,
      sessionRevokedAt: authSessions.revokedAt,
    })
    .from(users)
    .innerJoin(authSessions, eq(authSessions.userId, users.id))
    .where(and(eq(users.id, sql.placeholder('userId')), eq(authSessions.id, sql.placeholder('sessionId'))))
  // The sqlite builder's prepare() takes no name; postgres.js wants one.
  const prepared = (query as unknown as { prepare(name?: string): { execute(p: object): Promise<unknown[]> | unknown[] } }).prepare(
    database.kind === 'postgres' ? 'session_user_lookup' : undefined,
  )
  return async (userId: number, sessionId: string) => {
    const rows = (await prepared.execute({ userId, sessionId })) as Awaited<typeof query>
    return rows[0]
  }
}

export type SessionUser = NonNullable<Awaited<ReturnType<ReturnType<typeof createSessionUserLookup>>>>
