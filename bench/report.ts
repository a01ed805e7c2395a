import { cpuSeconds, fmt, load, median, ratio, type LoadOptions, type LoadResult } from './lib'
import type { Dialect } from './servers'

/** One measured row: the same load against each dialect's server. */
export type DialectRow = Partial<Record<Dialect, LoadResult>>

/**
 * Prints rows as a table: req/s, p50 and p99 per dialect, PostgreSQL ÷ SQLite,
 * and each figure as a ratio to `baseline` (usually /health on the same server, same run).
 */
export function printDialectTable(title: string, rows: { label: string; row: DialectRow }[], baseline?: DialectRow) {
  console.log(`\n### ${title}\n`)
  console.log(
    '| what | SQLite req/s | p50 / p99 ms | PostgreSQL req/s | p50 / p99 ms | PG ÷ SQLite | SQLite ÷ /health | PG ÷ /health | non-2xx |',
  )
  console.log('|---|---|---|---|---|---|---|---|---|')
  for (const { label, row } of rows) {
    const s = row.sqlite
    const p = row.postgres
    const cell = (r?: LoadResult) => (r ? `${fmt(r.requestsPerSecond)} | ${r.p50} / ${r.p99}` : '— | —')
    const bad = (r?: LoadResult) => (r ? r.non2xx + r.errors : 0)
    console.log(
      `| ${label} | ${cell(s)} | ${cell(p)} | ${ratio(p?.requestsPerSecond ?? NaN, s?.requestsPerSecond ?? NaN)} | ${ratio(s?.requestsPerSecond ?? NaN, baseline?.sqlite?.requestsPerSecond ?? NaN)} | ${ratio(p?.requestsPerSecond ?? NaN, baseline?.postgres?.requestsPerSecond ?? NaN)} | ${bad(s)} / ${bad(p)} |`,
    )
  }
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const ROUND_SECONDS = 3

/** One side of a round: the server whose CPU is read, and its load (a function when each round needs fresh requests). */
export interface RoundSide {
  pid: number
  load: LoadOptions | (() => LoadOptions)
}

/**
 * Two loads in alternating short rounds: one 5 s load each drifts with a
 * shared machine (a ratio from a single pair of loads swung from 0.6 to 1.0).
 * Each round loads `base`, then `measured`, and reads each server's CPU per
 * answered request from /proc; the medians of the per-round ratios are the figures.
 */
export async function alternatingRounds(
  title: string,
  names: { base: string; measured: string },
  routes: { label: string; base: RoundSide; measured: RoundSide }[],
) {
  const run = async (side: RoundSide) => {
    const options = typeof side.load === 'function' ? side.load() : side.load
    const before = cpuSeconds(side.pid)
    const result = await load('round', { ...options, seconds: ROUND_SECONDS })
    return {
      rps: result.requestsPerSecond,
      cpu: ((cpuSeconds(side.pid) - before) * 1e6) / (result.requestsPerSecond * ROUND_SECONDS),
      failed: result.non2xx + result.errors,
    }
  }
  console.log(`
${title}: ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s, ${names.base} then ${names.measured}; CPU µs of the server per answered request:\n`)
  console.log(
    `| what | ${names.base} req/s (median) | ${names.measured} req/s (median) | ${names.measured} ÷ ${names.base}, req/s (median of rounds; all) | CPU µs ${names.base} / ${names.measured} (median) | ${names.base} CPU ÷ ${names.measured} CPU (median of rounds) | non-2xx |`,
  )
  console.log('|---|---|---|---|---|---|---|')
  for (const route of routes) {
    const rounds: { base: Awaited<ReturnType<typeof run>>; measured: Awaited<ReturnType<typeof run>> }[] = []
    for (let i = 0; i < ROUNDS; i++) rounds.push({ base: await run(route.base), measured: await run(route.measured) })
    const rpsRatios = rounds.map((r) => r.measured.rps / r.base.rps)
    const cpuRatios = rounds.map((r) => r.base.cpu / r.measured.cpu)
    const failed = rounds.reduce((sum, r) => sum + r.base.failed + r.measured.failed, 0)
    console.log(
      `| ${route.label} | ${fmt(median(rounds.map((r) => r.base.rps)))} | ${fmt(median(rounds.map((r) => r.measured.rps)))} | **${fmt(median(rpsRatios), 2)}** (${rpsRatios.map((x) => fmt(x, 2)).join(', ')}) | ${fmt(median(rounds.map((r) => r.base.cpu)), 1)} / ${fmt(median(rounds.map((r) => r.measured.cpu)), 1)} | ${fmt(median(cpuRatios), 2)} | ${failed} |`,
    )
  }
}
