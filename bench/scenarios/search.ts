import { AFTER_BURST_MS, fmt, load, ratio, rssMegabytes, type LoadResult } from '../lib'
import { printDialectTable, type DialectRow } from '../report'
import { seedServerTo } from '../seed'
import type { ServerSet } from '../servers'

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number)

/** [label, query, connection counts]. */
const QUERIES: [string, string, number[]][] = [
  ['search=mar (3 letters)', 'search=mar&page_size=20', [4, 32]],
  ['search=jo (2 letters)', 'search=jo&page_size=20', [4]],
  ['search=555-012 (phone fragment)', 'search=555-012&page_size=20', [4]],
  ['search=zzq (no match)', 'search=zzq&page_size=20', [4]],
  ['no search, newest first', 'page_size=20', [4]],
]

/** The page as a comparable string: ids in order and the total (and whether it is an estimate). */
async function answer(url: string, token: string): Promise<string> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  const body = (await response.json()) as { items?: { id: number }[]; total?: number; total_is_estimate?: boolean }
  return JSON.stringify({ status: response.status, ids: body.items?.map((c) => c.id), total: body.total, estimate: body.total_is_estimate })
}

/**
 * Customer search at growing sizes: each server's database is filled through
 * the data layer (drizzle inserts, see seed.ts) to 10 k, 100 k, 1 M rows, and
 * at each size every query runs at 4 and 32 connections on both dialects.
 * Checks that both dialects give the same answer, and reports the growth.
 */
export async function runSearch(set: ServerSet, tokens: Map<string, string>) {
  const growth: { size: number; row: DialectRow }[] = []
  for (const size of SIZES) {
    for (const s of set.servers) await seedServerTo(s, size)

    const rows: { label: string; row: DialectRow }[] = []
    for (const [label, query, connections] of QUERIES) {
      const answers = new Set<string>()
      for (const s of set.servers) answers.add(await answer(`${s.url}/api/v2/customers?${query}`, tokens.get(s.url)!))
      if (set.servers.length > 1)
        console.log(
          `${label}: ${answers.size === 1 ? 'same answer on both dialects' : `ANSWERS DIFFER: ${[...answers].join(' vs ')}`} ${[...answers][0]!.slice(0, 160)}`,
        )
      for (const c of connections) {
        const row: DialectRow = {}
        for (const s of set.servers) {
          row[s.dialect] = await load(label, {
            url: `${s.url}/api/v2/customers?${query}`,
            headers: { authorization: `Bearer ${tokens.get(s.url)!}` },
            connections: c,
          })
        }
        rows.push({ label: `${label}, ${c} connections`, row })
        if (label.startsWith('search=mar') && c === 4) growth.push({ size, row })
      }
    }
    printDialectTable(`Customer search, ${size.toLocaleString('en')} customers`, rows)
    const rss = () => set.servers.map((s) => `${s.dialect} ${rssMegabytes(s.pid)} MB`).join(', ')
    console.log(`RSS after searching ${size.toLocaleString('en')} rows: ${rss()}`)
    await Bun.sleep(AFTER_BURST_MS)
    console.log(`RSS idle, ${AFTER_BURST_MS / 1000} s later: ${rss()}`)
  }

  console.log('\n### Growth of search=mar at 4 connections\n')
  console.log(
    '| customers | SQLite req/s | p99 ms | × first size | PostgreSQL req/s | p99 ms | × first size |\n|---|---|---|---|---|---|---|',
  )
  const first = growth[0]?.row
  for (const { size, row } of growth) {
    const cell = (r: LoadResult | undefined, f: LoadResult | undefined) =>
      r ? `${fmt(r.requestsPerSecond)} | ${r.p99} | ${ratio(r.requestsPerSecond, f?.requestsPerSecond ?? NaN)}` : '— | — | —'
    console.log(`| ${size.toLocaleString('en')} | ${cell(row.sqlite, first?.sqlite)} | ${cell(row.postgres, first?.postgres)} |`)
  }
}
