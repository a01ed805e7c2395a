import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import postgres from 'postgres'
import { BINARY, freePort, startServer, type RunningServer } from '../testkit/server'
import { createScratchDatabase, type ScratchDatabase } from '../testkit/postgres'
import { startFakeTwilio, type FakeTwilio } from '../testkit/fakes/twilio'

export const KIND: 'binary' | 'source' = existsSync(BINARY) && process.env.BENCH_SOURCE !== '1' ? 'binary' : 'source'
export const PG_BASE = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export const ADMIN_EMAIL = 'bench-admin@example.com'
export const ADMIN_PASSWORD = 'saffron glacier 0123'
export const TWILIO_ACCOUNT_SID = `AC${'ab'.repeat(16)}`
export const TWILIO_AUTH_TOKEN = 'bench-twilio-auth-token-0123456789abcdef'
export const PUBLIC_URL = 'https://crm.bench.example'

export type Dialect = 'sqlite' | 'postgres'

export interface BenchServer {
  dialect: Dialect
  server: RunningServer
  url: string
  /** The SQLite file, or the PostgreSQL URL, the server runs on (for seeding through the data layer). */
  database: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }
  pid: number
}

export interface ServerSet {
  servers: BenchServer[]
  twilio: FakeTwilio
  stop(): Promise<void>
}

/** Whether PostgreSQL answers at PG_BASE; without it the bench runs the SQLite column only. */
export async function postgresAvailable(): Promise<boolean> {
  if (process.env.BENCH_DIALECTS === 'sqlite') return false
  const probe = postgres(PG_BASE, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await probe`SELECT 1`
    return true
  } catch {
    return false
  } finally {
    await probe.end({ timeout: 1 })
  }
}

/** The environment every bench server gets: a bootstrap admin, Twilio against a local fake, limits out of the way. */
function benchEnv(twilio: FakeTwilio): Record<string, string> {
  return {
    LOG_LEVEL: 'warn',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PUBLIC_URL,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: '+15005550006',
    TWILIO_API_BASE_URL: twilio.url,
    RATE_LIMIT_SMS_PER_MINUTE: '100000000',
    RATE_LIMIT_SMS_PER_HOUR: '100000000',
    RATE_LIMIT_SMS_PER_DESTINATION_HOUR: '100000000',
  }
}

/** One server per dialect, same build and configuration, started side by side. */
export async function startServers(withPostgres: boolean): Promise<ServerSet> {
  const twilio = startFakeTwilio({ accountSid: TWILIO_ACCOUNT_SID, authToken: TWILIO_AUTH_TOKEN })
  const env = benchEnv(twilio)
  const servers: BenchServer[] = []
  let scratch: ScratchDatabase | undefined
  const sqlite = await startServer({ kind: KIND, env })
  servers.push({
    dialect: 'sqlite',
    server: sqlite,
    url: sqlite.url,
    database: { kind: 'sqlite', path: join(sqlite.dataDir, 'crm.db') },
    pid: sqlite.process.pid,
  })
  if (withPostgres) {
    scratch = await createScratchDatabase(PG_BASE, 'crm_bench')
    const pg = await startServer({ kind: KIND, env: { ...env, DATABASE_URL: scratch.url } })
    servers.push({ dialect: 'postgres', server: pg, url: pg.url, database: { kind: 'postgres', url: scratch.url }, pid: pg.process.pid })
  }
  return {
    servers,
    twilio,
    async stop() {
      for (const s of servers) await s.server.stop()
      await scratch?.drop()
      await twilio.close()
    },
  }
}

export interface Ceiling {
  url: string
  pid: number
  stop(): Promise<void>
}

/** bench/ceiling.ts on the SQLite server's database file and secret. */
export async function startCeiling(sqlite: BenchServer): Promise<Ceiling> {
  const port = freePort()
  const dataDir = sqlite.server.dataDir
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, 'ceiling.ts')], {
    env: {
      PORT: String(port),
      CEILING_DB: join(dataDir, 'crm.db'),
      CEILING_SECRET: readFileSync(join(dataDir, 'secret.key'), 'utf8').trim(),
    },
    stdout: 'ignore',
    stderr: 'inherit',
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 500; i++) {
    if ((await fetch(`${url}/health`).catch(() => undefined))?.ok) break
    await Bun.sleep(10)
  }
  return {
    url,
    pid: proc.pid,
    async stop() {
      proc.kill()
      await proc.exited
    },
  }
}
