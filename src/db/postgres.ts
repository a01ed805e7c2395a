import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { SQL } from 'bun'
import type { PostgresDatabase } from './client'
import { portablePostgres } from './portable'
import * as pgSchema from './schema.pg'

/** The native client's pool: it pipelines, so a few connections carry a busy server's session lookups. */
const HOT_CONNECTIONS = 4

export function openPostgres(url: string, options: { max?: number } = {}): PostgresDatabase {
  const client = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: 5,
    idle_timeout: 60,
    onnotice: () => {},
  })
  const pgDb = drizzle(client, { schema: pgSchema })
  // Connects on first use, so a command that never asks opens nothing.
  const hot = new SQL(url, { max: HOT_CONNECTIONS, connectionTimeout: 5, idleTimeout: 60 })
  return {
    kind: 'postgres',
    ...portablePostgres(pgDb, pgSchema),
    sql: client,
    url,
    pgDb,
    pgTables: pgSchema,
    hot,
    async ping() {
      await client`SELECT 1`
    },
    async close() {
      await Promise.all([client.end({ timeout: 5 }), hot.close({ timeout: 5 })])
    },
  }
}
