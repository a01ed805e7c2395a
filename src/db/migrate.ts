import { existsSync, readFileSync } from 'node:fs'
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

/** What a start did to the schema, for the start-up log. */
export interface MigrationReport {
  /** Tags of the migrations this run applied, e.g. `0004_account_security_and_spa`. */
  applied: string[]
  /** The database carries a migration this build does not know: a newer version ran on it (a rollback). */
  newerThanThisBuild: boolean
}

interface JournalEntry {
  tag: string
  when: number
}

function journal(dialect: 'sqlite' | 'pg'): JournalEntry[] {
  const file = join(migrationsFolder(dialect), 'meta', '_journal.json')
  return (JSON.parse(readFileSync(file, 'utf8')) as { entries: JournalEntry[] }).entries
}

/** drizzle applies every journal entry newer than the newest applied row; the same rule names them. */
function report(entries: JournalEntry[], before: number, after: number): MigrationReport {
  const newest = Math.max(0, ...entries.map((e) => e.when))
  return { applied: entries.filter((e) => e.when > before && e.when <= after).map((e) => e.tag), newerThanThisBuild: after > newest }
}

function lastSqliteMigration(database: Database): number {
  try {
    const row = database.sqlite!.prepare('SELECT max(created_at) AS last FROM __drizzle_migrations').get() as { last: number | null } | null
    return Number(row?.last ?? 0)
  } catch {
    return 0 // no table yet: a new database
  }
}

async function lastPgMigration(client: postgres.Sql): Promise<number> {
  const [row] = await client`SELECT to_regclass('drizzle.__drizzle_migrations') AS t`
  if (!row?.t) return 0
  const [last] = await client`SELECT max(created_at) AS last FROM drizzle.__drizzle_migrations`
  return Number(last?.last ?? 0)
}

export async function runMigrations(database: Database): Promise<MigrationReport> {
  if (database.kind === 'sqlite') {
    const before = lastSqliteMigration(database)
    migrateSqlite(database.db, { migrationsFolder: migrationsFolder('sqlite') })
    return report(journal('sqlite'), before, lastSqliteMigration(database))
  }
  // One dedicated connection holds a session-level advisory lock for the whole run.
  const lockClient = postgres(database.pgUrl!, { max: 1, onnotice: () => {} })
  try {
    await lockClient`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`
    const before = await lastPgMigration(lockClient)
    await migratePg(drizzlePg(lockClient), { migrationsFolder: migrationsFolder('pg') })
    const after = await lastPgMigration(lockClient)
    await lockClient`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`
    return report(journal('pg'), before, after)
  } finally {
    await lockClient.end({ timeout: 5 })
  }
}
