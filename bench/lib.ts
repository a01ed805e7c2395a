import autocannon from 'autocannon'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IDLE_CHECK_MS } from '../src/idle-memory'

export interface LoadResult {
  name: string
  requestsPerSecond: number
  /** Milliseconds. */
  p50: number
  p99: number
  non2xx: number
  errors: number
}

/** One request of a varying load: its body and the headers that go with it (e.g. a signature). */
export interface VariedRequest {
  body: string
  headers: Record<string, string>
}

export interface LoadOptions {
  url: string
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Sent in turn, each at most once per run when the pool is large enough. */
  varied?: VariedRequest[]
  connections?: number
  seconds?: number
}

export const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
/** wrk (C, two threads) when installed: it leaves more of a 2-core machine to the server than autocannon. */
export const LOAD_TOOL: 'wrk' | 'autocannon' = process.env.BENCH_TOOL === 'autocannon' || !Bun.which('wrk') ? 'autocannon' : 'wrk'

const WRK_SCRIPT = `
local counter = 0
local threads = {}
local pool = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  method = args[1]
  if args[2] ~= nil and args[2] ~= "" then
    local n = 0
    for line in io.lines(args[2]) do
      if n % tonumber(args[3]) == id then
        local tab = string.find(line, "\\t", 1, true)
        table.insert(pool, { headers = line:sub(1, tab - 1), body = line:sub(tab + 1) })
      end
      n = n + 1
    end
  end
end
function request()
  if #pool == 0 then return wrk.format(method) end
  counter = counter + 1
  local item = pool[(counter - 1) % #pool + 1]
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  for pair in string.gmatch(item.headers, "[^\\1]+") do
    local colon = string.find(pair, ":", 1, true)
    headers[pair:sub(1, colon - 1)] = pair:sub(colon + 1)
  end
  return wrk.format(method, nil, headers, item.body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\nRESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"status_errors":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
`

async function loadWithWrk(name: string, options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-wrk-'))
  try {
    const script = join(dir, 'load.lua')
    writeFileSync(script, WRK_SCRIPT)
    const connections = options.connections ?? CONNECTIONS
    const threads = Math.min(2, connections)
    let pool = ''
    if (options.varied) {
      pool = join(dir, 'pool.txt')
      // One line per request: headers joined by \x01, a tab, the body (form bodies have no tab or newline).
      const encode = (headers: Record<string, string>) =>
        Object.entries(headers)
          .map(([k, v]) => `${k}:${v}`)
          .join('\x01')
      writeFileSync(pool, `${options.varied.map((r) => `${encode(r.headers)}\t${r.body}`).join('\n')}\n`)
    }
    const args = ['wrk', `-t${threads}`, `-c${connections}`, `-d${options.seconds ?? DURATION_SECONDS}s`, '--timeout', '10s', '-s', script]
    for (const [key, value] of Object.entries(options.headers ?? {})) args.push('-H', `${key}: ${value}`)
    args.push(options.url, '--', options.method ?? 'GET', pool, String(threads))
    if (options.body !== undefined) throw new Error('wrk loads take a body through `varied`')
    const proc = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' })
    const out = await new Response(proc.stdout).text()
    await proc.exited
    const match = /RESULT (\{.*\})/.exec(out)
    if (!match) throw new Error(`wrk gave no result: ${out} ${await new Response(proc.stderr).text()}`)
    const r = JSON.parse(match[1]!) as {
      requests: number
      duration_us: number
      p50_us: number
      p99_us: number
      status_errors: number
      errors: number
    }
    return {
      name,
      requestsPerSecond: Math.round(r.requests / (r.duration_us / 1e6)),
      p50: Math.round(r.p50_us / 10) / 100,
      p99: Math.round(r.p99_us / 10) / 100,
      non2xx: r.status_errors,
      errors: r.errors,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function loadWithAutocannon(name: string, options: LoadOptions): Promise<LoadResult> {
  let next = 0
  const varied = options.varied
  const result = await autocannon({
    url: options.url,
    method: (options.method ?? 'GET') as autocannon.Request['method'],
    headers: options.headers,
    body: options.body,
    connections: options.connections ?? CONNECTIONS,
    duration: options.seconds ?? DURATION_SECONDS,
    requests: varied
      ? [
          {
            setupRequest(request: autocannon.Request) {
              const item = varied[next++ % varied.length]!
              request.body = item.body
              request.headers = { ...options.headers, ...item.headers }
              return request
            },
          },
        ]
      : undefined,
  })
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  }
}

/** Loads one endpoint for a fixed time and reports throughput and latency. */
export function load(name: string, options: LoadOptions): Promise<LoadResult> {
  if (options.body !== undefined && !options.varied && LOAD_TOOL === 'wrk') {
    return loadWithWrk(name, { ...options, body: undefined, varied: [{ body: options.body, headers: {} }] })
  }
  return LOAD_TOOL === 'wrk' ? loadWithWrk(name, options) : loadWithAutocannon(name, options)
}

/** Resident memory of a process, in MB. */
export function rssMegabytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
    return Math.round((kb / 1024) * 10) / 10
  } catch {
    return NaN
  }
}

/** CPU seconds (user + system) a process has used so far; NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  )
}

/** Sends `count` requests with a few connections' worth of concurrency (to bring a server to a steady state). */
export async function burst(url: string, count: number, init: RequestInit = {}, concurrency = 16): Promise<void> {
  let sent = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < count) {
        sent++
        await (await fetch(url, init)).arrayBuffer()
      }
    }),
  )
}

/** Long enough for the server to see a burst of requests end and hand back what it used (src/idle-memory.ts). */
export const AFTER_BURST_MS = 2 * IDLE_CHECK_MS + 1000

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—')
export const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? (a / b).toFixed(2) : '—')
