import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator'
import type { Database as SqliteHandle } from 'bun:sqlite'
import type postgres from 'postgres'
import type { Database } from './client'

// An arbitrary, fixed key: replicas starting together queue on it.
const MIGRATION_LOCK_KEY = 7_310_442_019

/** From source the folder is ../../drizzle; in the compiled binary it is embedded beside the entry. */
export function migrationsFolder(dialect: 'sqlite' | 'pg'): string {
  const fromSource = join(import.meta.dir, '..', '..', 'drizzle', dialect)
  const candidates = [fromSource, join(import.meta.dir, 'drizzle', dialect)]
  return candidates.find((dir) => existsSync(join(dir, 'meta', '_journal.json'))) ?? fromSource
}

/** What a start did to the schema, for the start-up log. */
export interface MigrationReport {
  /** Tags of the migrations this run applied, e.g. `0004_account_security_and_spa`. */
  applied: string[]
  /** The database carries a migration this build does not know: a newer version ran on it (a rollback). */
  newerThanThisBuild: boolean
}

interface Migration extends MigrationMeta {
  tag: string
}

/** The generated migrations in journal order, each with its tag (drizzle's reader leaves the tag out). */
function readMigrations(dialect: 'sqlite' | 'pg'): Migration[] {
  const folder = migrationsFolder(dialect)
  const entries = (JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] }).entries
  return readMigrationFiles({ migrationsFolder: folder }).map((meta, i) => {
    const entry = entries[i]
    if (!entry) throw new Error(`${folder}/meta/_journal.json lists fewer migrations than the folder holds`)
    return { ...meta, tag: entry.tag }
  })
}

/** drizzle's rule: everything generated after the newest applied migration. */
function pending(migrations: Migration[], lastCreatedAt: unknown): Migration[] {
  if (lastCreatedAt === undefined || lastCreatedAt === null) return migrations
  return migrations.filter((migration) => Number(lastCreatedAt) < migration.folderMillis)
}

function report(migrations: Migration[], lastCreatedAt: unknown, applied: Migration[]): MigrationReport {
  const newest = Math.max(0, ...migrations.map((m) => m.folderMillis))
  return { applied: applied.map((m) => m.tag), newerThanThisBuild: Number(lastCreatedAt ?? 0) > newest }
}

/**
 * Applies the generated migrations (drizzle/sqlite, drizzle/pg) with drizzle's
 * own bookkeeping — the same `__drizzle_migrations` table, hashes and order, so
 * drizzle-kit and databases migrated by earlier versions agree — but in as few
 * round trips as possible: drizzle's migrator sends every statement on its own
 * (twice on PostgreSQL: describe, then execute), which made a first start on an
 * empty PostgreSQL database cost ~80 round trips.
 */
export async function runMigrations(database: Database): Promise<MigrationReport> {
  return database.kind === 'sqlite' ? migrateSqlite(database.handle) : migratePostgres(database.sql)
}

/** One transaction; each statement executed directly by bun:sqlite (no query builder). */
function migrateSqlite(handle: SqliteHandle): MigrationReport {
  const migrations = readMigrations('sqlite')
  handle.exec('CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)')
  const last = handle
    .query<{ created_at: unknown }, []>('SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1')
    .get()
  const todo = pending(migrations, last?.created_at)
  if (todo.length === 0) return report(migrations, last?.created_at, todo)
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
  return report(migrations, last?.created_at, todo)
}

/**
 * On one connection of the app's own pool (so it is warm for the first
 * request afterwards), under a session advisory lock so replicas starting
 * together apply each migration once: one simple-protocol round trip takes the
 * lock and reads the state, one applies everything pending in a transaction,
 * one releases the lock.
 */
async function migratePostgres(sql: postgres.Sql): Promise<MigrationReport> {
  const migrations = readMigrations('pg')
  const connection = await sql.reserve()
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
    const last = rows[0]?.created_at
    const todo = pending(migrations, last)
    if (todo.length > 0) {
      // Hashes are hex and times integers: nothing in the bookkeeping needs quoting beyond the literal.
      const script = todo
        .map(
          (m) =>
            `${m.sql.join('\n')};\nINSERT INTO "drizzle"."__drizzle_migrations" ("hash", "created_at") VALUES ('${m.hash}', ${m.folderMillis});`,
        )
        .join('\n')
      try {
        await connection.unsafe(`BEGIN;\n${script}\nCOMMIT;`).simple()
      } catch (error) {
        await connection
          .unsafe('ROLLBACK')
          .simple()
          .catch(() => {})
        throw error
      }
    }
    return report(migrations, last, todo)
  } finally {
    await connection
      .unsafe(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`)
      .simple()
      .catch(() => {})
    connection.release()
  }
}
