import type { BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import type * as pgSchema from './schema.pg'
import type * as sqliteSchema from './schema.sqlite'

/** The tables of the active dialect, under the same names (and row types) on both: schema-parity.test.ts keeps them alike. */
export type Tables = typeof sqliteSchema

/**
 * The query builder the services share on both databases: select, insert,
 * update, delete and $count, awaited for their rows. It is typed as the
 * SQLite flavour (whose row types every service uses), with what only one
 * dialect has left out: raw `all`/`get`/`run`, transactions, the driver.
 * A built query still offers SQLite's `.get()`/`.all()`/`.run()`: those do
 * not exist on PostgreSQL, so a query is only ever awaited (or turned into a
 * subquery with `.as()`). Anything else belongs in a dialect's own store.
 */
export type PortableDb = Pick<BunSQLiteDatabase<Tables>, 'select' | 'selectDistinct' | 'insert' | 'update' | 'delete' | '$count'>

/**
 * The one conversion between dialects: the PostgreSQL drizzle instance and
 * its tables, seen through the SQLite-flavoured portable types. drizzle types
 * each builder against its own dialect, so no type describes both; at run time
 * the PostgreSQL builder has every method PortableDb names, with the same
 * arguments and the same rows (tests/db/portable.contract.test.ts runs that
 * subset on both databases and compares).
 */
export function portablePostgres(db: PostgresJsDatabase<typeof pgSchema>, tables: typeof pgSchema): { db: PortableDb; tables: Tables } {
  return { db: db as unknown as PortableDb, tables: tables as unknown as Tables }
}
