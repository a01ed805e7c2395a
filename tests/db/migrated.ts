import { afterAll, beforeAll } from 'bun:test'
import type { Database } from '../../src/db/client'
import { runMigrations } from '../../src/db/migrate'
import { freshDatabase, type Dialect } from '../helpers/harness'

/** A fresh, migrated database of `dialect` for the enclosing describe block; read it inside tests. */
export function useMigratedDatabase(dialect: Dialect): () => Database {
  let fresh: Awaited<ReturnType<typeof freshDatabase>> | undefined
  beforeAll(async () => {
    fresh = await freshDatabase(dialect)
    await runMigrations(fresh.database)
  })
  afterAll(() => fresh?.drop())
  return () => {
    if (!fresh) throw new Error('the database is opened in beforeAll')
    return fresh.database
  }
}
