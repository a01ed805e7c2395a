/**
 * `bun run bench`: every figure on SQLite and on PostgreSQL in the same run, on
 * the compiled binary when built (else the source), each load compared with
 * /health on the same server in the same run — ratios, not absolute numbers,
 * carry to other machines. Sections run in this order; pick some with BENCH_ONLY:
 *   startup   first start on an empty data directory / database, cold start, idle RSS
 *   modules   resident memory per module
 *   layer     the per-request layer piece by piece, in process (CPU µs per call)
 *   core      /health and /auth/me next to bench/ceiling.ts; RSS at start and after 10 k requests
 *   webhooks  signed inbound webhooks as a ratio of /health
 *   peers     /health, /auth/me and search at 10 k customers next to FastAPI + uvicorn and
 *             Express 5 + better-sqlite3 (bench/peers/, installed on demand: apt-get, npm ci
 *             --prefix bench/peers/express; a peer that cannot be installed is skipped)
 *   search    customer search at 10 k, 100 k, 1 M rows (BENCH_SIZES), 4 and 32 connections, growth
 *   sms       SMS send through a fake Twilio, SmsLimiter decisions
 * Other knobs: BENCH_SECONDS (5), BENCH_CONNECTIONS (32), BENCH_TOOL=autocannon
 * (default wrk when installed), BENCH_DIALECTS=sqlite, BENCH_DATABASE_URL
 * (default the local cluster postgres://postgres@127.0.0.1:5432/postgres), BENCH_SOURCE=1.
 *   BENCH_ONLY=core,webhooks BENCH_SECONDS=10 bun run bench
 */
import { CONNECTIONS, DURATION_SECONDS, LOAD_TOOL } from './lib'
import { runLayer } from './layer'
import { runModules } from './modules'
import { runPeers } from './scenarios/peers'
import { runCore } from './scenarios/core'
import { runSearch } from './scenarios/search'
import { runSms } from './scenarios/sms'
import { runWebhooks } from './scenarios/webhooks'
import { KIND, PG_BASE, postgresAvailable, startServers } from './servers'
import { runStartup } from './startup'

const SECTIONS = ['startup', 'modules', 'layer', 'core', 'webhooks', 'peers', 'search', 'sms'] as const
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim())
for (const name of only ?? [])
  if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`BENCH_ONLY: unknown section "${name}" (${SECTIONS.join(', ')})`)
const wanted = (name: (typeof SECTIONS)[number]) => !only || only.includes(name)

const withPostgres = await postgresAvailable()
console.log(
  `# bun run bench — ${KIND}, ${LOAD_TOOL}, ${CONNECTIONS} connections unless stated, ${DURATION_SECONDS} s per load; ` +
    `PostgreSQL: ${withPostgres ? PG_BASE.replace(/\/\/[^@]*@/, '//') : 'not available, SQLite only'}; ${new Date().toISOString()}`,
)

if (wanted('startup')) await runStartup(withPostgres)
if (wanted('modules')) await runModules()
if (wanted('layer')) await runLayer()
if (wanted('core') || wanted('webhooks') || wanted('peers') || wanted('search') || wanted('sms')) {
  const set = await startServers(withPostgres)
  try {
    // Core logs in on each server; the other sections reuse its tokens.
    const { tokens } = await runCore(set, wanted('core'))
    if (wanted('webhooks')) await runWebhooks(set)
    // Before search: it compares at 10 k customers, which search grows past.
    if (wanted('peers')) await runPeers(set, tokens)
    if (wanted('search')) await runSearch(set, tokens)
    if (wanted('sms')) await runSms(set)
  } finally {
    await set.stop()
  }
}
process.exit(0)
