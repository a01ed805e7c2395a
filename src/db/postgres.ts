import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import type { PostgresDatabase } from './client'
import { portablePostgres } from './portable'
import * as pgSchema from './schema.pg'

export function openPostgres(url: string, options: { max?: number } = {}): PostgresDatabase {
  const client = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: 5,
    idle_timeout: 60,
    onnotice: () => {},
  })
  const pgDb = drizzle(client, { schema: pgSchema })
  return {
    kind: 'postgres',
    ...portablePostgres(pgDb, pgSchema),
    sql: client,
    url,
    pgDb,
    pgTables: pgSchema,
    async ping() {
      await client`SELECT 1`
    },
    async close() {
      await client.end({ timeout: 5 })
    },
  }
}
