import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config'
import { createApp } from '../src/app'
import { openSqlite } from '../src/db/client'
import { runMigrations } from '../src/db/migrate'
import { createLogger, writeRequestLine } from '../src/logger'
import { createContext } from '../src/context'
import { recordRequest } from '../src/http/request-log'
import { requestIdFrom } from '../src/http/request-context'
import { fmt } from './lib'

const ITERATIONS = Number(process.env.BENCH_LAYER_ITERATIONS ?? 100_000)

/** CPU microseconds per call (process CPU time, so a busy machine slows it less than wall time). */
async function cpuPerCall(fn: () => unknown, iterations = ITERATIONS): Promise<number> {
  for (let i = 0; i < Math.min(10_000, iterations / 10); i++) await fn()
  const before = process.cpuUsage()
  for (let i = 0; i < iterations; i++) await fn()
  const used = process.cpuUsage(before)
  return (used.user + used.system) / iterations
}

/** A destination that drops every line: the cost of formatting a line without the write. */
const sink = { write: (_line: string) => {} }

/**
 * The per-request layer piece by piece, in process: a whole GET /health through
 * app.handle (no sockets), then each thing every request pays for on its own.
 */
export async function runLayer() {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-layer-'))
  try {
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '' })
    const database = openSqlite(join(dir, 'crm.db'))
    await runMigrations(database)
    const app = createApp(config, { database, logger: createLogger('warn', sink) })
    const verbose = createApp({ ...config, logLevel: 'info' }, { database, logger: createLogger('info', sink) })
    const ctx = createContext(config, { database, logger: createLogger('info', sink) })
    const quiet = createContext(config, { database, logger: createLogger('warn', sink) })
    const record = {
      method: 'GET',
      route: '/health',
      status: 200,
      startedAt: performance.now(),
      requestId: 'a-request-id',
      userId: undefined,
    }
    const health = () => app.handle(new Request('http://localhost/health'))

    await cpuPerCall(health, 30_000) // warm-up: the first rows would otherwise pay for compiling
    const rows: [string, number][] = [
      ['GET /health through app.handle, LOG_LEVEL=warn', await cpuPerCall(health)],
      [
        'GET /health through app.handle, LOG_LEVEL=info (line formatted, not written)',
        await cpuPerCall(() => verbose.handle(new Request('http://localhost/health'))),
      ],
      ['new Request (part of the two rows above, not of a served request)', await cpuPerCall(() => new Request('http://localhost/health'))],
      ['request log + metrics (recordRequest), LOG_LEVEL=info', await cpuPerCall(() => recordRequest(ctx, record))],
      ['request log + metrics (recordRequest), LOG_LEVEL=warn', await cpuPerCall(() => recordRequest(quiet, record))],
      ['metrics only: counter + histogram', await cpuPerCall(() => ctx.metrics.observeRequest('GET', '/health', 200, 0.0004))],
      [
        'log line only (writeRequestLine, formatted, not written)',
        await cpuPerCall(() => writeRequestLine(ctx.logger, { ...record, ms: 0.12 })),
      ],
      [
        "the same line through pino's logger.info, for comparison",
        await cpuPerCall(() => ctx.logger.info({ ...record, ms: 0.12 }, 'request')),
      ],
      ['request id (new UUID)', await cpuPerCall(() => requestIdFrom(new Request('http://localhost/health')))],
      ['database ping', await cpuPerCall(() => database.ping())],
    ]
    console.log(`\n### Per-request layer in process (CPU µs per call, ${ITERATIONS.toLocaleString('en')} calls each)\n`)
    console.log('| piece | CPU µs |\n|---|---|')
    for (const [label, us] of rows) console.log(`| ${label} | ${fmt(us, 2)} |`)
    await database.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
