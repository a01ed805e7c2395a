import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { load, percentile, type VariedRequest } from '../lib'
import { printDialectTable, type DialectRow } from '../report'
import { ADMIN_EMAIL as EMAIL, ADMIN_PASSWORD as PASSWORD, PG_BASE, type ServerSet } from '../servers'
import { loginOverHttp } from '../../testkit/server'
import { openSqlite, type Database } from '../../src/db/client'
import { openPostgres } from '../../src/db/postgres'
import { runMigrations } from '../../src/db/migrate'
import { SmsLimiter } from '../../src/ratelimit/limiter'

const SENDERS = 8
const MICRO_DECISIONS = Number(process.env.BENCH_LIMITER_DECISIONS ?? 5000)

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
  database.handle.exec(`PRAGMA synchronous = ${synchronous}`)
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
 * raised so the load measures the send path, destinations varied) on each
 * dialect, then the cost of one limiter decision on SQLite and PostgreSQL.
 */
export async function runSms(set: ServerSet) {
  const health: DialectRow = {}
  const send: DialectRow = {}
  for (const s of set.servers) {
    const tokens = await senderTokens(s.url)
    const pool: VariedRequest[] = []
    for (let i = 0; i < 100_000; i++) {
      pool.push({
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
        body: JSON.stringify({ to: `+1415${String(2000000 + ((i * 7919) % 7_000_000)).padStart(7, '0')}`, body: `Bench message ${i}` }),
      })
    }
    health[s.dialect] = await load('GET /health', { url: `${s.url}/health` })
    send[s.dialect] = await load('sms', { url: `${s.url}/api/v2/communications/sms/send`, method: 'POST', varied: pool })
  }
  printDialectTable(
    'SMS send (fake Twilio)',
    [
      { label: 'GET /health', row: health },
      { label: 'POST /api/v2/communications/sms/send', row: send },
    ],
    health,
  )
  console.log(`fake Twilio accepted ${set.twilio.accepted().length} messages`)
  await microSqlite('NORMAL')
  await microSqlite('FULL')
  if (set.servers.some((s) => s.dialect === 'postgres')) await microPostgres(PG_BASE)
}
