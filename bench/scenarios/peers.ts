import { burst, CONNECTIONS, cpuSeconds, DURATION_SECONDS, fmt, load, ratio, type LoadOptions, type LoadResult } from '../lib'
import { startExpress, startFastApi, type Peer } from '../peers/start'
import { seedServerTo } from '../seed'
import type { ServerSet } from '../servers'

/** The table: customer search at this many rows. */
const CUSTOMERS = 10_000
const SEARCH = 'search=mar&page_size=20'

interface Measured {
  load: LoadResult
  /** CPU µs of the server process per answered request: steadier than req/s on a shared machine. */
  cpuMicros: number
}

/** A load with the server's CPU time over it. */
async function measure(name: string, pid: number, options: LoadOptions): Promise<Measured> {
  const before = cpuSeconds(pid)
  const result = await load(name, options)
  const requests = result.requestsPerSecond * (options.seconds ?? DURATION_SECONDS)
  return { load: result, cpuMicros: ((cpuSeconds(pid) - before) * 1e6) / requests }
}

/** What a server answers, as text: peers must send the product's body byte for byte. */
async function body(url: string, token: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  return { status: response.status, text: await response.text() }
}

/**
 * The product next to two peer stacks written for this bench (bench/peers/):
 * FastAPI + uvicorn and Express 5 + better-sqlite3, each doing the product's
 * per-request work on the SQLite server's database file: /health, /auth/me
 * (Bearer) and customer search at 10 k rows, with the same answers (checked
 * byte for byte before loading); then the search once more with the peers
 * querying as the FastAPI service this product replaces does (other rows, a
 * full page). Loads interleave product and peers per route.
 */
export async function runPeers(set: ServerSet, tokens: Map<string, string>) {
  const sqlite = set.servers.find((s) => s.dialect === 'sqlite')!
  const token = tokens.get(sqlite.url)!
  await seedServerTo(sqlite, CUSTOMERS)

  const peers: Peer[] = []
  try {
    // Express first: its install brings the SQLite source the FastAPI peer may need. The table shows FastAPI first.
    for (const start of [startExpress, startFastApi]) {
      const outcome = await start(sqlite)
      if ('skipped' in outcome) console.log(`peer ${outcome.skipped} skipped: ${outcome.reason}`)
      else {
        console.log(`peer ${outcome.peer.name}: ${outcome.peer.describe}`)
        peers.unshift(outcome.peer)
      }
    }
    if (!peers.length) return

    const routes = [
      { label: 'GET /health', path: '/health', connections: [CONNECTIONS], auth: false },
      { label: 'GET /api/v2/auth/me (Bearer)', path: '/api/v2/auth/me', connections: [CONNECTIONS], auth: true },
      {
        label: `search=mar at ${CUSTOMERS.toLocaleString('en')} customers`,
        path: `/api/v2/customers?${SEARCH}`,
        connections: [4, 32],
        auth: true,
      },
      {
        // The same request to the product; the peers query as the FastAPI service it replaces does.
        label: `search=mar at ${CUSTOMERS.toLocaleString('en')} customers, peers querying as the original service (ILIKE, full count)`,
        path: `/api/v2/customers?${SEARCH}`,
        peerPath: `/original/api/v2/customers?${SEARCH}`,
        connections: [4],
        auth: true,
      },
    ] as { label: string; path: string; peerPath?: string; connections: number[]; auth: boolean }[]
    const peerPath = (route: (typeof routes)[number], server: { name: string }) =>
      server.name !== 'product' && route.peerPath ? route.peerPath : route.path
    // Same work means the same answer: each peer must send the product's body for the authenticated routes.
    for (const route of routes.filter((r) => r.auth && !r.peerPath)) {
      const product = await body(`${sqlite.url}${route.path}`, token)
      for (const peer of peers) {
        const answer = await body(`${peer.url}${route.path}`, token)
        if (product.status !== 200 || answer.status !== 200 || answer.text !== product.text) {
          let at = 0
          while (at < product.text.length && product.text[at] === answer.text[at]) at++
          const around = (text: string) => text.slice(Math.max(0, at - 80), at + 80)
          throw new Error(
            `${peer.name} answers ${route.path} differently (status ${answer.status}, product ${product.status}) from character ${at}:\n` +
              `product: ${around(product.text)}\npeer:    ${around(answer.text)}`,
          )
        }
      }
    }
    // The original service's query finds other rows (it searches fewer columns, by substring), but a full page of them.
    for (const route of routes.filter((r) => r.peerPath)) {
      for (const peer of peers) {
        const answer = await body(`${peer.url}${route.peerPath}`, token)
        const items = answer.status === 200 ? (JSON.parse(answer.text) as { items: unknown[] }).items.length : 0
        if (items !== 20)
          throw new Error(`${peer.name} answers ${route.peerPath} with ${answer.status} and ${items} items, not a page of 20`)
      }
    }
    // And the same headers: the security set, and the caller's sane X-Request-Id echoed.
    const headers = ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'content-security-policy', 'x-request-id']
    for (const route of routes.filter((r) => !r.peerPath)) {
      const init = { headers: { 'x-request-id': 'bench-peers-check', ...(route.auth ? { authorization: `Bearer ${token}` } : {}) } }
      const product = await fetch(`${sqlite.url}${route.path}`, init)
      await product.arrayBuffer()
      for (const peer of peers) {
        const answer = await fetch(`${peer.url}${route.path}`, init)
        await answer.arrayBuffer()
        const differ = headers.filter((name) => answer.headers.get(name) !== product.headers.get(name))
        if (differ.length) throw new Error(`${peer.name} answers ${route.path} with other headers: ${differ.join(', ')}`)
      }
    }
    console.log("peers answer /auth/me and the search with the product's body, byte for byte, and all three routes with its headers")

    const servers = [{ name: 'product', url: sqlite.url, pid: sqlite.pid }, ...peers]
    // Warm each server on each route first: V8's and JSC's JITs, Python's caches, SQLite's page cache.
    for (const server of servers)
      for (const route of routes)
        await burst(`${server.url}${peerPath(route, server)}`, route.path.includes('search') ? 1_000 : 5_000, {
          headers: route.auth ? { authorization: `Bearer ${token}` } : {},
        })
    const rows: { label: string; results: Measured[] }[] = []
    for (const route of routes) {
      for (const connections of route.connections) {
        const results: Measured[] = []
        // Interleaved per route: product, then each peer, so drift on a shared machine hits all alike.
        for (const server of servers)
          results.push(
            await measure(route.label, server.pid, {
              url: `${server.url}${peerPath(route, server)}`,
              headers: route.auth ? { authorization: `Bearer ${token}` } : {},
              connections,
            }),
          )
        rows.push({ label: `${route.label}, ${connections} connections`, results })
      }
    }

    console.log(`\n### The product (SQLite) next to peer stacks\n`)
    console.log(`Each server is one process on the same database file; ${servers.map((s) => s.name).join(', ')}.`)
    const heads = servers.map((s) => `${s.name} req/s | p50 / p99 ms | CPU µs/req`).join(' | ')
    const ratios = peers.map((p) => `product ÷ ${p.name.split(' ')[0]} (req/s; CPU)`).join(' | ')
    console.log(`| what | ${heads} | ${ratios} | non-2xx |`)
    console.log(`|---|${servers.map(() => '---|---|---|').join('')}${peers.map(() => '---|').join('')}---|`)
    for (const { label, results } of rows) {
      const cells = results.map((m) => `${fmt(m.load.requestsPerSecond)} | ${m.load.p50} / ${m.load.p99} | ${fmt(m.cpuMicros)}`).join(' | ')
      const product = results[0]!
      const against = results
        .slice(1)
        .map((m) => `${ratio(product.load.requestsPerSecond, m.load.requestsPerSecond)}; ${ratio(m.cpuMicros, product.cpuMicros)}`)
        .join(' | ')
      const bad = results.map((m) => m.load.non2xx + m.load.errors).join(' / ')
      console.log(`| ${label} | ${cells} | ${against} | ${bad} |`)
    }
    console.log("\nCPU ratio: the peer's CPU µs per request ÷ the product's (how much more work the peer spends on one answer).")
  } finally {
    for (const peer of peers) await peer.stop()
  }
}
