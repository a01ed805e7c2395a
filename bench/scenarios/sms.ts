import type autocannon from 'autocannon'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { load, type Scenario } from '../lib'
import { loginOverHttp } from '../../tests/helpers/spawn'
import { startFakeTwilio, type FakeTwilio } from '../../tests/fakes/twilio'
import { openPostgres, openSqlite, type Database } from '../../src/db/client'
import { runMigrations } from '../../src/db/migrate'
import { SmsLimiter } from '../../src/ratelimit/limiter'

const EMAIL = 'bench-admin@example.com'
const PASSWORD = 'bench admin password'
const ACCOUNT_SID = `AC${'ab'.repeat(16)}`
const AUTH_TOKEN = 'bench-fake-twilio-token'
const SENDERS = 8
const MICRO_DECISIONS = Number(process.env.BENCH_LIMITER_DECISIONS ?? 5000)

let twilio: FakeTwilio | undefined

/** Several senders, so the per-user windows hold realistic counts rather than one ever-growing key. */
async function senderTokens(base: string): Promise<string[]> {
  const admin = await loginOverHttp(base, EMAIL, PASSWORD)
  const tokens: string[] = []
  for (let i = 0; i < SENDERS; i++) {
    const email = `bench-sender-${i}-${randomBytes(3).toString('hex')}@example.com`
    const password = 'quiet orchard lamp 42'
    const created = await fetch(`${base}/api/v2/admin/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ email, password, full_name: `Sender ${i}`, role: 'user' }),
    })
    if (created.status !== 201) throw new Error(`bench user create failed: ${created.status}`)
    tokens.push(await loginOverHttp(base, email, password))
  }
  return tokens
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** Cost of one SmsLimiter.consume decision (count + insert in one locked transaction). */
async function microLimiter(label: string, database: Database) {
  await runMigrations(database)
  const limiter = new SmsLimiter(database, { smsPerMinute: 10, smsPerHour: 100, smsPerDestinationHour: 5 })
  const times: number[] = []
  let accepted = 0
  for (let i = 0; i < MICRO_DECISIONS + 200; i++) {
    const started = performance.now()
    // 300 users and 2000 numbers: accepted sends and, once users reach 10 a minute, rejections.
    const decision = await limiter.consume({ userId: i % 300, destination: `+1415555${String(i % 2000).padStart(4, '0')}` })
    const elapsed = performance.now() - started
    if (i >= 200) times.push(elapsed * 1000) // the first 200 warm up statements and connections
    if (decision.ok) accepted++
  }
  times.sort((a, b) => a - b)
  console.log(
    `SmsLimiter.consume on ${label}: p50 ${percentile(times, 50).toFixed(0)} µs, p99 ${percentile(times, 99).toFixed(0)} µs, max ${times.at(-1)!.toFixed(0)} µs over ${times.length} decisions (${accepted} accepted)`,
  )
}

/** With the server's default durability (NORMAL: no fsync per commit in WAL mode) and with SQLITE_SYNCHRONOUS=full (an fsync per accepted decision). */
async function microSqlite(synchronous: 'FULL' | 'NORMAL') {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-limiter-'))
  const database = openSqlite(join(dir, 'crm.db'))
  database.sqlite!.exec(`PRAGMA synchronous = ${synchronous}`)
  try {
    await microLimiter(`SQLite (WAL, synchronous=${synchronous})`, database)
  } finally {
    await database.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function microPostgres(base: string) {
  const name = `crm_bench_limiter_${randomBytes(4).toString('hex')}`
  const admin = postgres(base, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const url = new URL(base)
  url.pathname = `/${name}`
  const database = openPostgres(url.toString())
  try {
    await microLimiter('PostgreSQL', database)
  } finally {
    await database.close()
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
}

/**
 * POST /api/v2/communications/sms/send against a local fake Twilio (limits
 * raised so the load measures the send path, destinations varied), then the
 * cost of one limiter decision on SQLite and, when BENCH_DATABASE_URL or
 * TEST_DATABASE_URL is set, PostgreSQL. Target: the limiter adds < 1 ms p99 on SQLite.
 */
export const sms: Scenario = {
  name: 'sms',
  // A getter: the fake Twilio starts only when this scenario runs, before its server.
  get env() {
    twilio ??= startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN })
    return {
      ADMIN_EMAIL: EMAIL,
      ADMIN_PASSWORD: PASSWORD,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_PHONE_NUMBER: '+15005550006',
      TWILIO_API_BASE_URL: twilio.url,
      RATE_LIMIT_SMS_PER_MINUTE: '100000000',
      RATE_LIMIT_SMS_PER_HOUR: '100000000',
      RATE_LIMIT_SMS_PER_DESTINATION_HOUR: '100000000',
    }
  },
  async run(server) {
    try {
      const tokens = await senderTokens(server.url)
      let n = 0
      const result = await load('POST /api/v2/communications/sms/send (fake Twilio)', {
        url: `${server.url}/api/v2/communications/sms/send`,
        method: 'POST',
        requests: [
          {
            setupRequest(request: autocannon.Request) {
              const i = n++
              request.headers = { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` }
              request.body = JSON.stringify({ to: `+1415${String(2000000 + (i % 7_000_000)).padStart(7, '0')}`, body: `Bench message ${i}` })
              return request
            },
          },
        ],
      })
      console.log(`fake Twilio accepted ${twilio!.accepted().length} messages`)
      await microSqlite('NORMAL')
      await microSqlite('FULL')
      const pgBase = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL
      if (pgBase) await microPostgres(pgBase)
      else console.log('SmsLimiter.consume on PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)')
      return [result]
    } finally {
      await twilio?.close()
      twilio = undefined
    }
  },
}
