/**
 * `bun run bench:soak`: holds mixed office traffic against the server for a
 * while and reports throughput, latency and resident memory at the start,
 * middle and end, so a leak or a slow-down over time shows.
 *
 *   bun run build && SOAK_SECONDS=120 bun run bench:soak
 *
 * Environment: SOAK_SECONDS (default 180), SOAK_CONCURRENCY (default 16),
 * SOAK_DATABASE_URL (default: SQLite in a temporary DATA_DIR), BENCH_SOURCE=1
 * (run from source instead of dist/crm-api).
 * Traffic: logins, customer reads/searches/creates/updates, history, SMS sends
 * to a local fake Twilio, signed inbound and status webhooks. Any 5xx or an
 * unexpected status is counted and makes the run exit non-zero.
 */
import { existsSync } from 'node:fs'
import { BINARY, startServer } from '../testkit/server'
import { ACCOUNT_SID, AUTH_TOKEN, SENDER, fakeTwilio, sign } from '../testkit/twilio'
import { rssMegabytes } from './lib'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180)
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16)
const kind = existsSync(BINARY) && process.env.BENCH_SOURCE !== '1' ? 'binary' : 'source'
const ADMIN = { email: 'soak-admin@example.com', password: 'soak password 0123456789' }

interface Op {
  name: string
  weight: number
  /** Statuses that are a correct answer for this operation under this load. */
  ok: number[]
  run(): Promise<Response>
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function main() {
  const twilio = fakeTwilio()
  const env: Record<string, string> = {
    SECRET_KEY: 'soak-test-secret-key-that-is-long-enough-0123456789',
    LOG_LEVEL: 'warn',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: SENDER,
    TWILIO_API_BASE_URL: twilio.url,
    // Limits far above the offered load: the soak measures the server, not the limiter's refusals.
    RATE_LIMIT_SMS_PER_MINUTE: '1000000',
    RATE_LIMIT_SMS_PER_HOUR: '1000000',
    RATE_LIMIT_SMS_PER_DESTINATION_HOUR: '1000000',
    LOGIN_MAX_FAILURES_PER_IP: '1000000',
  }
  if (process.env.SOAK_DATABASE_URL) env.DATABASE_URL = process.env.SOAK_DATABASE_URL
  const server = await startServer({ kind, env, timeoutMs: 60_000 })
  const base = server.url
  const login = async () =>
    fetch(`${base}/api/v2/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })
  const first = await login()
  if (first.status !== 200) throw new Error(`login failed: ${first.status}`)
  const token = ((await first.json()) as { access_token: string }).access_token
  const json = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    })

  // Several staff accounts log in (and out) all day; the admin account too.
  const staff: { email: string; password: string }[] = []
  for (let i = 0; i < 4; i++) {
    const member = { email: `soak-staff${i}@example.com`, password: 'granite river path 0123' }
    const r = await json('POST', '/api/v2/admin/users', { ...member, full_name: `Staff ${i}`, role: 'user' })
    if (r.status !== 201) throw new Error(`creating a user failed: ${r.status}`)
    staff.push(member)
  }
  staff.push(ADMIN)
  const customerIds: number[] = []
  for (let i = 0; i < 50; i++) {
    const r = await json('POST', '/api/v2/customers', {
      first_name: `Soak${i}`,
      last_name: 'Seed',
      phone: `+1415555${String(4000 + i)}`,
      email: `soak${i}@example.com`,
    })
    customerIds.push(((await r.json()) as { id: number }).id)
  }
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!
  let counter = 0
  const sids: string[] = []

  const webhook = (path: string, pairs: [string, string][]) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(`${base}${path}`, pairs, AUTH_TOKEN) },
      body: new URLSearchParams(pairs).toString(),
    })

  const ops: Op[] = [
    {
      name: 'login',
      // Rare, as in an office, and costly: one argon2id check is ~0.1-0.3 s of CPU.
      weight: 0.5,
      ok: [200],
      run: () =>
        fetch(`${base}/api/v2/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(staff[++counter % staff.length]),
        }),
    },
    {
      name: 'list customers',
      weight: 20,
      ok: [200],
      run: () => json('GET', `/api/v2/customers?page=${1 + Math.floor(Math.random() * 3)}&page_size=20`),
    },
    {
      name: 'search customers',
      weight: 10,
      ok: [200],
      run: () => json('GET', `/api/v2/customers?search=${encodeURIComponent(pick(['soak', '555', 'Seed', 'example', 'zzz']))}`),
    },
    { name: 'get customer', weight: 15, ok: [200, 404], run: () => json('GET', `/api/v2/customers/${pick(customerIds)}`) },
    {
      name: 'create customer',
      weight: 10,
      ok: [201],
      run: () =>
        json('POST', '/api/v2/customers', {
          first_name: `Load${++counter}`,
          last_name: 'Soak',
          email: `load${counter}@example.com`,
          tags: ['soak'],
        }),
    },
    {
      name: 'update customer',
      weight: 5,
      ok: [200, 404],
      run: () => json('PATCH', `/api/v2/customers/${pick(customerIds)}`, { notes: `updated ${++counter}` }),
    },
    { name: 'history', weight: 10, ok: [200], run: () => json('GET', '/api/v2/communications/history?page_size=20') },
    {
      name: 'send sms',
      weight: 10,
      // 409: an inbound STOP webhook below may have opted the number out.
      ok: [201, 409],
      run: async () => {
        const r = await json('POST', '/api/v2/communications/sms/send', {
          to: `+1415556${String(++counter % 10_000).padStart(4, '0')}`,
          body: 'soak message',
        })
        if (r.status === 201) {
          const sent = (await r.clone().json()) as { external_id: string }
          if (sids.length < 1000) sids.push(sent.external_id)
          else sids[counter % 1000] = sent.external_id
        }
        return r
      },
    },
    {
      name: 'inbound webhook',
      weight: 5,
      ok: [200],
      run: () =>
        webhook('/webhooks/twilio/incoming', [
          ['MessageSid', `SM${(++counter).toString(16).padStart(32, '0')}`],
          ['AccountSid', ACCOUNT_SID],
          ['From', `+1415555${String(4000 + (counter % 50))}`],
          ['To', SENDER],
          ['Body', counter % 97 === 0 ? 'STOP' : counter % 89 === 0 ? 'START' : 'thanks'],
        ]),
    },
    {
      name: 'status webhook',
      weight: 5,
      ok: [200],
      run: () =>
        webhook('/webhooks/twilio/status', [
          ['MessageSid', sids.length ? pick(sids) : `SM${'f'.repeat(32)}`],
          ['MessageStatus', pick(['sent', 'delivered'])],
          ['AccountSid', ACCOUNT_SID],
        ]),
    },
    { name: 'health', weight: 3, ok: [200], run: () => fetch(`${base}/health`) },
  ]
  const totalWeight = ops.reduce((n, op) => n + op.weight, 0)
  const choose = () => {
    let x = Math.random() * totalWeight
    for (const op of ops) {
      x -= op.weight
      if (x < 0) return op
    }
    return ops[0]!
  }

  // Three equal phases; latencies kept per phase, RSS sampled every 5 s.
  const phases = [0, 1, 2].map(() => ({ latencies: [] as number[], requests: 0, started: 0, ended: 0, rss: NaN }))
  const unexpected = new Map<string, number>()
  const byOp = new Map<string, number[]>()
  const rssSamples: { at: number; mb: number }[] = []
  const started = performance.now()
  const endAt = started + SECONDS * 1000
  const phaseOf = (t: number) => Math.min(2, Math.floor(((t - started) / (SECONDS * 1000)) * 3))
  const sampler = setInterval(
    () =>
      performance.now() < endAt &&
      rssSamples.push({ at: Math.round((performance.now() - started) / 1000), mb: rssMegabytes(server.process.pid) }),
    5_000,
  )
  rssSamples.push({ at: 0, mb: rssMegabytes(server.process.pid) })

  async function worker() {
    while (performance.now() < endAt) {
      const op = choose()
      const t0 = performance.now()
      let status = 0
      try {
        const response = await op.run()
        status = response.status
        await response.arrayBuffer()
      } catch {
        status = -1
      }
      const t1 = performance.now()
      const phase = phases[phaseOf(t0)]!
      phase.latencies.push(t1 - t0)
      const perOp = byOp.get(op.name) ?? []
      perOp.push(t1 - t0)
      byOp.set(op.name, perOp)
      phase.requests++
      if (!op.ok.includes(status)) unexpected.set(`${op.name} ${status}`, (unexpected.get(`${op.name} ${status}`) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  clearInterval(sampler)
  rssSamples.push({ at: SECONDS, mb: rssMegabytes(server.process.pid) })

  const phaseSeconds = SECONDS / 3
  const rssAt = (fraction: number) => {
    const target = SECONDS * fraction
    return rssSamples.reduce((best, s) => (Math.abs(s.at - target) < Math.abs(best.at - target) ? s : best)).mb
  }
  console.log(
    `\nSoak: ${SECONDS} s, ${CONCURRENCY} concurrent clients, ${kind}, ${env.DATABASE_URL ? 'PostgreSQL' : 'SQLite'}; Twilio messages accepted by the fake: ${twilio.accepted().length}`,
  )
  console.log('\n| phase | req/s | p50 ms | p99 ms | RSS MB |')
  console.log('|---|---|---|---|---|')
  for (const [i, phase] of phases.entries()) {
    const sorted = phase.latencies.sort((a, b) => a - b)
    const label = ['start', 'middle', 'end'][i]
    console.log(
      `| ${label} | ${Math.round(phase.requests / phaseSeconds)} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ${rssAt([1 / 6, 1 / 2, 5 / 6][i]!)} |`,
    )
  }
  console.log('\n| operation | requests | p50 ms | p99 ms |')
  console.log('|---|---|---|---|')
  for (const [name, latencies] of byOp) {
    const sorted = latencies.sort((a, b) => a - b)
    console.log(`| ${name} | ${sorted.length} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} |`)
  }
  console.log(`\nRSS samples (s: MB): ${rssSamples.map((s) => `${s.at}: ${s.mb}`).join(', ')}`)
  const total = phases.reduce((n, p) => n + p.requests, 0)
  console.log(`requests: ${total}; unexpected answers: ${unexpected.size ? JSON.stringify(Object.fromEntries(unexpected)) : 'none'}`)

  await server.stop()
  await twilio.close()
  if (unexpected.size) process.exit(1)
}

await main()
