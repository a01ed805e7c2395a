import autocannon from 'autocannon'
import { startServer, type RunningServer } from '../tests/helpers/spawn'

export interface LoadResult {
  name: string
  requestsPerSecond: number
  p50: number
  p99: number
  non2xx: number
  errors: number
}

export const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)

/** Runs autocannon against one endpoint and reports throughput and latency. */
export async function load(name: string, options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_SECONDS, ...options })
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  }
}

export function rssMegabytes(pid: number): number {
  try {
    const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
    return Math.round((kb / 1024) * 10) / 10
  } catch {
    return NaN
  }
}

export function printTable(rows: LoadResult[], baseline?: LoadResult) {
  console.log('\n| scenario | req/s | p50 ms | p99 ms | non-2xx | ratio to /health |')
  console.log('|---|---|---|---|---|---|')
  for (const r of rows) {
    const ratio = baseline ? (r.requestsPerSecond / baseline.requestsPerSecond).toFixed(2) : ''
    console.log(`| ${r.name} | ${r.requestsPerSecond} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${ratio} |`)
  }
}

export interface Scenario {
  name: string
  /** Extra environment for the server this scenario runs against. */
  env?: Record<string, string>
  /** Prepares data and returns the loads to run (each compared with /health on the same server). */
  run(server: RunningServer): Promise<LoadResult[]>
}

export { startServer }
