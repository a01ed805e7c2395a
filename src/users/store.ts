import { and, eq, or, sql, type Column, type SQL, type Table } from 'drizzle-orm'
import type { Role } from '../auth/permissions'
import type { Database, PostgresDatabase, SqliteDatabase } from '../db/client'
import type { UserRow } from './view'

// Any fixed key: every change that could remove a superuser queues on it (PostgreSQL).
const SUPERUSER_LOCK_KEY = 7_310_442_777

/** What an update does to the two facts the last-superuser rule reads; absent means unchanged. */
interface AccessChange {
  role?: Role
  isActive?: boolean
}

/** The user writes whose safety rests on the database's locking: one implementation per dialect. */
export interface UserStore {
  /**
   * Applies `set` to user `id` in one conditional UPDATE that passes only if
   * an active superuser remains; undefined when the user does not exist or
   * the update would have removed the last one.
   */
  updateUnlessLastSuperuser(id: number, set: Partial<UserRow>, access: AccessChange): Promise<UserRow | undefined>
}

type UsersTable = Table & { id: Column; role: Column; isActive: Column }

/**
 * User `id`, if the update leaves an active superuser: it applies only if the
 * user stays an active superuser, was not one, or another active superuser
 * exists. The row's state after the update is written in SQL, so it is judged
 * on the row as it is when the statement runs.
 */
function unlessLastSuperuser(users: UsersTable, id: number, access: AccessChange): SQL | undefined {
  if (access.role === undefined && access.isActive === undefined) return eq(users.id, id)
  const superAfter = access.role === undefined ? sql`${users.role} = 'superuser'` : access.role === 'superuser' ? sql`1 = 1` : sql`1 = 0`
  const activeAfter = access.isActive === undefined ? sql`${users.isActive}` : access.isActive ? sql`1 = 1` : sql`1 = 0`
  return and(
    eq(users.id, id),
    or(
      sql`(${superAfter}) and (${activeAfter})`,
      sql`not (${users.role} = 'superuser' and ${users.isActive})`,
      sql`exists (select 1 from ${users} as other where other.role = 'superuser' and other.is_active and other.id <> ${users.id})`,
    ),
  )
}

/** SQLite runs each statement under its database-wide write lock: the guard alone is race-free. */
function sqliteUserStore({ db, tables: { users } }: SqliteDatabase): UserStore {
  return {
    async updateUnlessLastSuperuser(id, set, access) {
      const [row] = await db
        .update(users)
        .set(set)
        .where(unlessLastSuperuser(users, id, access))
        .returning()
      return row
    },
  }
}

/**
 * PostgreSQL: a transaction-scoped advisory lock makes concurrent demotions
 * see each other (READ COMMITTED alone would let two of them pass on the
 * same snapshot).
 */
function postgresUserStore({ pgDb, pgTables: { users } }: PostgresDatabase): UserStore {
  return {
    updateUnlessLastSuperuser(id, set, access) {
      return pgDb.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${SUPERUSER_LOCK_KEY})`)
        const [row] = await tx
          .update(users)
          .set(set)
          .where(unlessLastSuperuser(users, id, access))
          .returning()
        return row
      })
    },
  }
}

export function createUserStore(database: Database): UserStore {
  return database.kind === 'sqlite' ? sqliteUserStore(database) : postgresUserStore(database)
}
