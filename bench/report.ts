import { fmt, ratio, type LoadResult } from './lib'
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
