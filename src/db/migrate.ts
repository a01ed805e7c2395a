import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { drizzle as drizzlePg } from 'drizzle-orm/postgres-js'
import { migrate as migratePg } from 'drizzle-orm/postgres-js/migrator'
import { migrate as migrateSqlite } from 'drizzle-orm/bun-sqlite/migrator'
import postgres from 'postgres'
import type { Database } from './client'

// An arbitrary, fixed key: replicas starting together queue on it.
const MIGRATION_LOCK_KEY = 7_310_442_019

/** From source the folder is ../../drizzle; in the compiled binary it is embedded beside the entry. */
export function migrationsFolder(dialect: 'sqlite' | 'pg'): string {
  const candidates = [join(import.meta.dir, '..', '..', 'drizzle', dialect), join(import.meta.dir, 'drizzle', dialect)]
  return candidates.find((dir) => existsSync(join(dir, 'meta', '_journal.json'))) ?? candidates[0]!
}

export async function runMigrations(database: Database): Promise<void> {
  if (database.kind === 'sqlite') {
    migrateSqlite(database.db, { migrationsFolder: migrationsFolder('sqlite') })
    return
  }
  // One dedicated connection holds a session-level advisory lock for the whole run.
  const lockClient = postgres(database.pgUrl!, { max: 1, onnotice: () => {} })
  try {
    await lockClient`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`
    await migratePg(drizzlePg(lockClient), { migrationsFolder: migrationsFolder('pg') })
    await lockClient`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`
  } finally {
    await lockClient.end({ timeout: 5 })
  }
}
