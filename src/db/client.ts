import { Database as SqliteHandle } from 'bun:sqlite'
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { drizzle as drizzleSqlite } from 'drizzle-orm/bun-sqlite'
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import type postgres from 'postgres'
import type { SQL } from 'bun'
import type { DatabaseTarget } from '../config'
import type { PortableDb, Tables } from './portable'
import * as sqliteSchema from './schema.sqlite'
import type * as pgSchema from './schema.pg'

export type { Tables }

/** What both databases offer: the portable query builder over their tables, a health probe, closing. */
interface DatabaseBase {
  /** The shared query builder (see PortableDb): only awaited, array-returning queries. */
  db: PortableDb
  /** The tables of the active dialect, under the same names on both. */
  tables: Tables
  /** Throws when the database cannot answer. */
  ping(): Promise<void>
  close(): Promise<void>
}

export interface SqliteDatabase extends DatabaseBase {
  kind: 'sqlite'
  /** The bun:sqlite connection, for SQLite's own statements (synchronous, prepared once). */
  handle: SqliteHandle
  /** `ping` without the promise: throws when the database cannot answer. */
  pingNow(): void
  /** Unmaps the database file and maps it again, empty: the pages a load read stop counting as this process's memory. */
  releaseFileMapping(): void
}

export interface PostgresDatabase extends DatabaseBase {
  kind: 'postgres'
  /** The postgres.js pool, for PostgreSQL's own statements. */
  sql: postgres.Sql
  url: string
  /** drizzle typed as PostgreSQL over the pg tables: transactions, named prepared statements. */
  pgDb: PostgresJsDatabase<typeof pgSchema>
  pgTables: typeof pgSchema
  /**
   * Bun's native client on a pipelined connection of its own, for the statements
   * every request runs: it spends a fraction of postgres.js's CPU per query.
   */
  hot: SQL
  /**
   * Bun's native client again, pooled apart from `hot`, for the insert every inbound message makes:
   * a commit waiting for its WAL flush never holds up a session lookup queued behind it.
   */
  inbound: SQL
}

/** One of the two databases; what only one dialect has is reached after narrowing on `kind`. */
export type Database = SqliteDatabase | PostgresDatabase

const SQLITE_BUSY_TIMEOUT_MS = 5000
const MMAP_BYTES = 256 * 1024 * 1024

/**
 * Runs a best-effort SQLite write that never waits for another process's write
 * lock: bun:sqlite is synchronous, so waiting out busy_timeout would stall every
 * request of this server. Returns false when the database was busy (or the write failed).
 */
export function writeIfNotBusy(handle: SqliteHandle, write: () => void): boolean {
  handle.exec('PRAGMA busy_timeout = 0')
  try {
    write()
    return true
  } catch {
    return false
  } finally {
    handle.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`)
  }
}

export function openSqlite(path: string, options: { synchronous?: 'normal' | 'full' } = {}): SqliteDatabase {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true })
    // Created owner-only before SQLite opens it: SQLite gives the -wal and -shm files the database file's mode.
    if (!existsSync(path)) {
      try {
        closeSync(openSync(path, 'wx', 0o600))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
    }
  }
  const handle = new SqliteHandle(path, { create: true, strict: true })
  // First: switching to WAL needs a lock another process (a backup, the CLI, a server
  // still shutting down) may hold for a moment; without a timeout that fails at once.
  handle.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`)
  // WAL + NORMAL: every commit is in the WAL before the answer, so a killed
  // process loses nothing; only an OS crash or power cut can drop the last
  // commits (never corrupting the file). SQLITE_SYNCHRONOUS=full closes that gap at a large cost in writes.
  handle.exec('PRAGMA journal_mode = WAL')
  handle.exec(`PRAGMA synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
  // Reads through mmap skip a copy per page: a 100k-customer substring scan runs ~40% faster.
  handle.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`)
  handle.exec('PRAGMA foreign_keys = ON')
  const db = drizzleSqlite(handle, { schema: sqliteSchema })
  const probe = handle.prepare('SELECT 1')
  let closed = false
  const pingNow = () => {
    if (closed) throw new Error('database is closed')
    probe.get()
  }
  return {
    kind: 'sqlite',
    db,
    tables: sqliteSchema,
    handle,
    pingNow,
    async ping() {
      pingNow()
    },
    releaseFileMapping() {
      if (closed) return
      // A new limit makes SQLite unmap the file and map it afresh (skipped while a statement holds a mapped page).
      handle.exec('PRAGMA mmap_size = 0')
      handle.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`)
    },
    async close() {
      if (closed) return
      closed = true
      probe.finalize()
      handle.close()
    },
  }
}

/**
 * Opens the configured database. The PostgreSQL driver, drizzle's PostgreSQL
 * dialect and the pg tables are loaded only when PostgreSQL is configured
 * (src/db/postgres.ts): a SQLite server never holds them in memory.
 */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'sqlite') return openSqlite(target.path, { synchronous: target.synchronous })
  const { openPostgres } = await import('./postgres')
  return openPostgres(target.url)
}
