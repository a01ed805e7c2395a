import { expect, test } from 'bun:test'
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core'
import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core'
import * as sqliteSchema from '../../src/db/schema.sqlite'
import * as pgSchema from '../../src/db/schema.pg'

function describeSqlite() {
  return Object.fromEntries(
    Object.entries(sqliteSchema)
      .filter(([, v]) => v instanceof SQLiteTable)
      .map(([key, table]) => {
        const c = sqliteTableConfig(table as SQLiteTable)
        return [
          key,
          {
            name: c.name,
            columns: c.columns.map((col) => `${col.name}:${col.notNull}`).sort(),
            indexes: c.indexes.map((i) => i.config.name).sort(),
          },
        ]
      }),
  )
}

function describePg() {
  return Object.fromEntries(
    Object.entries(pgSchema)
      .filter(([, v]) => v instanceof PgTable)
      .map(([key, table]) => {
        const c = pgTableConfig(table as PgTable)
        return [
          key,
          {
            name: c.name,
            columns: c.columns.map((col) => `${col.name}:${col.notNull}`).sort(),
            indexes: c.indexes.map((i) => i.config.name).sort(),
          },
        ]
      }),
  )
}

test('the SQLite and PostgreSQL schemas have the same tables, columns, nullability and indexes', () => {
  const sqlite = describeSqlite()
  expect(Object.keys(sqlite).length).toBeGreaterThan(5)
  expect(describePg()).toEqual(sqlite)
})
