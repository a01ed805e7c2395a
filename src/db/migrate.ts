import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator'
import type { Database } from './client'

// An arbitrary, fixed key: replicas starting together queue on it.
const MIGRATION_LOCK_KEY = 7_310_442_019

/** From source the folder is ../../drizzle; in the compiled binary it is embedded beside the entry. */
export function migrationsFolder(dialect: 'sqlite' | 'pg'): string {
  const candidates = [join(import.meta.dir, '..', '..', 'drizzle', dialect), join(import.meta.dir, 'drizzle', dialect)]
  return candidates.find((dir) => existsSync(join(dir, 'meta', '_journal.json'))) ?? candidates[0]!
}

/** drizzle's rule: everything generated after the newest applied migration. */
function pending(migrations: MigrationMeta[], lastCreatedAt: unknown): MigrationMeta[] {
  if (lastCreatedAt === undefined || lastCreatedAt === null) return migrations
  return migrations.filter((migration) => Number(lastCreatedAt) < migration.folderMillis)
}

/**
 * Applies the generated migrations (drizzle/sqlite, drizzle/pg) with drizzle's
 * own bookkeeping — the same `__drizzle_migrations` table, hashes and order, so
 * drizzle-kit and databases migrated by earlier versions agree — but in as few
 * round trips as possible: drizzle's migrator sends every statement on its own
 * (twice on PostgreSQL: describe, then execute), which made a first start on an
 * empty PostgreSQL database cost ~80 round trips.
 */
export async function runMigrations(database: Database): Promise<void> {
  if (database.kind === 'sqlite') migrateSqlite(database)
  else await migratePostgres(database)
}

/** One transaction; each statement executed directly by bun:sqlite (no query builder). */
function migrateSqlite(database: Database): void {
  const handle = database.sqlite!
  const migrations = readMigrationFiles({ migrationsFolder: migrationsFolder('sqlite') })
  handle.exec('CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)')
  const last = handle.query<{ created_at: unknown }, []>('SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1').get()
  const todo = pending(migrations, last?.created_at)
  if (todo.length === 0) return
  const record = handle.prepare<unknown, [string, number]>('INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES (?, ?)')
  handle.exec('BEGIN')
  try {
    for (const migration of todo) {
      for (const statement of migration.sql) if (statement.trim() !== '') handle.exec(statement)
      record.run(migration.hash, migration.folderMillis)
    }
    handle.exec('COMMIT')
  } catch (error) {
    handle.exec('ROLLBACK')
    throw error
  } finally {
    record.finalize()
  }
}

/**
 * On one connection of the app's own pool (so it is warm for the first
 * request afterwards), under a session advisory lock so replicas starting
 * together apply each migration once: one simple-protocol round trip takes the
 * lock and reads the state, one applies everything pending in a transaction,
 * one releases the lock.
 */
async function migratePostgres(database: Database): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder: migrationsFolder('pg') })
  const connection = await database.pg!.reserve()
  try {
    const state = await connection
      .unsafe(
        `SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY});
         CREATE SCHEMA IF NOT EXISTS "drizzle";
         CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);
         SELECT created_at FROM "drizzle"."__drizzle_migrations" ORDER BY created_at DESC LIMIT 1`,
      )
      .simple()
    const rows = (state as unknown as { created_at: unknown }[][]).at(-1) ?? []
    const todo = pending(migrations, rows[0]?.created_at)
    if (todo.length > 0) {
      // Hashes are hex and times integers: nothing in the bookkeeping needs quoting beyond the literal.
      const script = todo
        .map((m) => `${m.sql.join('\n')};\nINSERT INTO "drizzle"."__drizzle_migrations" ("hash", "created_at") VALUES ('${m.hash}', ${m.folderMillis});`)
        .join('\n')
      try {
        await connection.unsafe(`BEGIN;\n${script}\nCOMMIT;`).simple()
      } catch (error) {
        await connection.unsafe('ROLLBACK').simple().catch(() => {})
        throw error
      }
    }
  } finally {
    await connection.unsafe(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).simple().catch(() => {})
    connection.release()
  }
}
