import { expect, test } from 'bun:test'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { migrate as drizzleMigrateSqlite } from 'drizzle-orm/bun-sqlite/migrator'
import { migrate as drizzleMigratePg } from 'drizzle-orm/postgres-js/migrator'
import { drizzle as drizzlePg } from 'drizzle-orm/postgres-js'
import { drizzle as drizzleSqlite } from 'drizzle-orm/bun-sqlite'
import type { Database } from '../../src/db/client'
import { migrationsFolder, runMigrations } from '../../src/db/migrate'
import { describeEachDialect, freshDatabase } from '../helpers/harness'

/** The bookkeeping rows, oldest first. */
async function applied(database: Database): Promise<{ hash: string; created_at: number }[]> {
  const rows =
    database.kind === 'sqlite'
      ? database.handle
          .query<{ hash: string; created_at: number }, []>('SELECT hash, created_at FROM "__drizzle_migrations" ORDER BY id')
          .all()
      : await database.sql<{ hash: string; created_at: string }[]>`SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id`
  return rows.map((row) => ({ hash: row.hash, created_at: Number(row.created_at) }))
}

/** The tables, views, indexes and triggers the migrations made. */
async function schemaObjects(database: Database): Promise<string[]> {
  if (database.kind === 'sqlite') {
    return database.handle
      .query<{ o: string }, []>("SELECT type || ' ' || name AS o FROM sqlite_master ORDER BY 1")
      .all()
      .map((r) => r.o)
  }
  const rows = await database.sql<{ o: string }[]>`
    SELECT 'table ' || table_name AS o FROM information_schema.tables WHERE table_schema = 'public'
    UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT 'extension ' || extname FROM pg_extension ORDER BY 1`
  return rows.map((r) => r.o)
}

function drizzleMigrate(database: Database) {
  const folder = migrationsFolder(database.kind === 'sqlite' ? 'sqlite' : 'pg')
  if (database.kind === 'sqlite') {
    drizzleMigrateSqlite(drizzleSqlite(database.handle), { migrationsFolder: folder })
    return Promise.resolve()
  }
  return drizzleMigratePg(drizzlePg(database.sql), { migrationsFolder: folder })
}

describeEachDialect('migrations', (dialect) => {
  const expected = () =>
    readMigrationFiles({ migrationsFolder: migrationsFolder(dialect === 'sqlite' ? 'sqlite' : 'pg') }).map((m) => ({
      hash: m.hash,
      created_at: m.folderMillis,
    }))

  test("an empty database gets every migration and drizzle's own bookkeeping; drizzle's migrator then finds nothing to do", async () => {
    const fresh = await freshDatabase(dialect)
    try {
      await runMigrations(fresh.database)
      expect(await applied(fresh.database)).toEqual(expected())
      const objects = await schemaObjects(fresh.database)
      await drizzleMigrate(fresh.database)
      expect(await applied(fresh.database)).toEqual(expected())
      expect(await schemaObjects(fresh.database)).toEqual(objects)
      // And again with our own: nothing pending, nothing changes.
      await runMigrations(fresh.database)
      expect(await applied(fresh.database)).toEqual(expected())
    } finally {
      await fresh.drop()
    }
  }, 30_000)

  test("a database migrated by drizzle's migrator ends up with the same schema and rows as one migrated here", async () => {
    const ours = await freshDatabase(dialect)
    const theirs = await freshDatabase(dialect)
    try {
      await runMigrations(ours.database)
      await drizzleMigrate(theirs.database)
      await runMigrations(theirs.database)
      expect(await applied(theirs.database)).toEqual(await applied(ours.database))
      expect(await schemaObjects(theirs.database)).toEqual(await schemaObjects(ours.database))
    } finally {
      await ours.drop()
      await theirs.drop()
    }
  }, 30_000)
})
