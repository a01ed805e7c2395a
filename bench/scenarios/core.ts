import { AFTER_BURST_MS, burst, load, ratio, rssMegabytes, type LoadResult } from '../lib'
import { alternatingRounds, printDialectTable, type DialectRow } from '../report'
import { ADMIN_EMAIL, ADMIN_PASSWORD, startCeiling, type ServerSet } from '../servers'
import { loginOverHttp } from '../../testkit/server'

export interface CoreResult {
  health: DialectRow
  tokens: Map<string, string>
}

/**
 * The per-request layer: GET /health and GET /api/v2/auth/me (Bearer) on each
 * dialect, next to the same two routes of bench/ceiling.ts (plain Bun.serve +
 * bun:sqlite doing the same per-request work), then the SQLite server against
 * the ceiling in alternating rounds (`alternatingRounds`). Also resident memory at
 * start and after 10,000 requests.
 */
export async function runCore(set: ServerSet, measure = true): Promise<CoreResult> {
  const tokens = new Map<string, string>()
  for (const s of set.servers) tokens.set(s.url, await loginOverHttp(s.url, ADMIN_EMAIL, ADMIN_PASSWORD))
  if (!measure) return { health: {}, tokens }
  const sqlite = set.servers.find((s) => s.dialect === 'sqlite')!
  const ceiling = await startCeiling(sqlite)
  try {
    const me = (url: string, token: string) => ({ url: `${url}/api/v2/auth/me`, headers: { authorization: `Bearer ${token}` } })
    const sqliteToken = tokens.get(sqlite.url)!
    // Same work means the same answer: the ceiling must build the body the product sends.
    const answers = await Promise.all(
      [ceiling.url, sqlite.url].map(async (url) => {
        const response = await fetch(me(url, sqliteToken).url, { headers: me(url, sqliteToken).headers })
        return { status: response.status, body: await response.text() }
      }),
    )
    if (answers[0]?.status !== 200 || answers[0].body !== answers[1]?.body)
      throw new Error(`ceiling /me answers differently: ${JSON.stringify(answers)}`)

    const rssLine = (when: string) =>
      console.log(
        `RSS ${when}: ${set.servers.map((s) => `${s.dialect} ${rssMegabytes(s.pid)} MB`).join(', ')}; ceiling ${rssMegabytes(ceiling.pid)} MB`,
      )
    rssLine('at start (after login)')
    for (const s of set.servers) {
      await burst(`${s.url}/health`, 5_000)
      await burst(me(s.url, tokens.get(s.url)!).url, 5_000, { headers: me(s.url, tokens.get(s.url)!).headers })
    }
    rssLine('after 10,000 requests (5,000 /health + 5,000 /me)')

    // Interleaved: the ceiling, then each dialect, per route, so drift on a shared machine hits all alike.
    const health: DialectRow = {}
    const auth: DialectRow = {}
    const ceilingHealth = await load('ceiling /health', { url: `${ceiling.url}/health` })
    for (const s of set.servers) health[s.dialect] = await load('GET /health', { url: `${s.url}/health` })
    const ceilingMe = await load('ceiling /me', me(ceiling.url, sqliteToken))
    for (const s of set.servers) auth[s.dialect] = await load('GET /api/v2/auth/me', me(s.url, tokens.get(s.url)!))

    printDialectTable(
      'Per-request layer',
      [
        { label: 'GET /health', row: health },
        { label: 'GET /api/v2/auth/me (Bearer)', row: auth },
      ],
      health,
    )
    const line = (label: string, c: LoadResult, row: DialectRow) =>
      console.log(
        `| ${label} | ${c.requestsPerSecond} | ${ratio(row.sqlite?.requestsPerSecond ?? NaN, c.requestsPerSecond)} | ${ratio(row.postgres?.requestsPerSecond ?? NaN, c.requestsPerSecond)} |`,
      )
    console.log('\n| route | ceiling req/s (Bun.serve + bun:sqlite) | SQLite ÷ ceiling | PostgreSQL ÷ ceiling |\n|---|---|---|---|')
    line('GET /health', ceilingHealth, health)
    line('GET /api/v2/auth/me', ceilingMe, auth)
    console.log(
      `\n/auth/me PostgreSQL ÷ SQLite: ${ratio(auth.postgres?.requestsPerSecond ?? NaN, auth.sqlite?.requestsPerSecond ?? NaN)}; /health PostgreSQL ÷ SQLite: ${ratio(health.postgres?.requestsPerSecond ?? NaN, health.sqlite?.requestsPerSecond ?? NaN)}`,
    )
    await alternatingRounds('The product (SQLite) against the ceiling', { base: 'ceiling', measured: 'product' }, [
      {
        label: 'GET /health',
        base: { pid: ceiling.pid, load: { url: `${ceiling.url}/health` } },
        measured: { pid: sqlite.pid, load: { url: `${sqlite.url}/health` } },
      },
      {
        label: 'GET /api/v2/auth/me',
        base: { pid: ceiling.pid, load: me(ceiling.url, sqliteToken) },
        measured: { pid: sqlite.pid, load: me(sqlite.url, sqliteToken) },
      },
    ])
    rssLine('after the loads')
    await Bun.sleep(AFTER_BURST_MS)
    rssLine(`idle, ${AFTER_BURST_MS / 1000} s after the loads`)
    return { health, tokens }
  } finally {
    await ceiling.stop()
  }
}
