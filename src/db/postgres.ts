import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { SQL } from 'bun'
import type { PostgresDatabase } from './client'
import { portablePostgres } from './portable'
import * as pgSchema from './schema.pg'

/**
 * One connection: the client pipelines, and PostgreSQL answering a run of
 * lookups per wake-up on one backend cost a third less CPU on both sides than
 * spreading them over four (and the server's /auth/me went from 0.6 to 0.9 x
 * its SQLite figure). The statement is a primary-key lookup: nothing long waits in line.
 */
const HOT_CONNECTIONS = 1
/** Inbound messages commit one by one, each waiting for its WAL flush: a few connections keep a burst moving. */
const INBOUND_CONNECTIONS = 4

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
  const inbound = new SQL(url, { max: INBOUND_CONNECTIONS, connectionTimeout: 5, idleTimeout: 60 })
  return {
    kind: 'postgres',
    ...portablePostgres(pgDb, pgSchema),
    sql: client,
    url,
    pgDb,
    pgTables: pgSchema,
    hot,
    inbound,
    async ping() {
      await client`SELECT 1`
    },
    async close() {
      await Promise.all([client.end({ timeout: 5 }), hot.close({ timeout: 5 }), inbound.close({ timeout: 5 })])
    },
  }
}
