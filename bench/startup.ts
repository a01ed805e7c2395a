import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createScratchDatabase } from '../testkit/postgres'
import { freePort, serverCommand } from '../testkit/server'
import { fmt, median, rssMegabytes } from './lib'
import { KIND, PG_BASE } from './servers'

const RUNS = Number(process.env.BENCH_START_RUNS ?? 7)

/** The most the process has had resident so far (VmHWM): start-up work that is freed again still needed it. */
function peakRssMegabytes(pid: number): number {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN)
    return Math.round((kb / 1024) * 10) / 10
  } catch {
    return Number.NaN
  }
}

/** Spawn to the first 200 from /health (polled every millisecond), then idle and peak RSS one second later. */
async function timeStart(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ ms: number; rss: number; peakRss: number; cpuMs: number }> {
  const port = freePort()
  const started = performance.now()
  const proc = Bun.spawn(serverCommand(KIND), {
    cwd: dataDir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdout: 'ignore',
    stderr: 'ignore',
  })
  try {
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`)
      const response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined)
      if (response?.status === 200) break
      await Bun.sleep(1)
    }
    const ms = performance.now() - started
    await Bun.sleep(1000)
    const rss = rssMegabytes(proc.pid)
    const peakRss = peakRssMegabytes(proc.pid)
    proc.kill()
    await proc.exited
    // CPU over the whole life (start, one idle second, shutdown): what a busy machine does not inflate.
    const cpuMs = Number(proc.resourceUsage()?.cpuTime.total ?? NaN) / 1000
    return { ms, rss, peakRss, cpuMs }
  } finally {
    if (proc.exitCode === null) proc.kill()
    await proc.exited
  }
}

type StartRun = Awaited<ReturnType<typeof timeStart>>

function report(label: string, runs: StartRun[]) {
  const ms = runs.map((r) => r.ms)
  console.log(
    `| ${label} | ${fmt(median(ms))} | ${fmt(Math.min(...ms))} | ${fmt(median(runs.map((r) => r.cpuMs)))} | ${fmt(median(runs.map((r) => r.rss)), 1)} | ${fmt(median(runs.map((r) => r.peakRss)), 1)} |`,
  )
}

/**
 * First start (migrations on an empty data directory / empty PostgreSQL
 * database), cold start on an existing directory, and idle memory after each.
 */
export async function runStartup(withPostgres: boolean) {
  console.log(`\n### Start-up (${KIND}, ${RUNS} runs each)\n`)
  console.log(
    '| start | median ms | best ms | server CPU ms (median, whole life) | idle RSS MB (median) | peak RSS MB (median) |\n|---|---|---|---|---|---|',
  )
  const first: StartRun[] = []
  const again: StartRun[] = []
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'crm-bench-start-'))
    try {
      first.push(await timeStart(dir))
      again.push(await timeStart(dir))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  report('first start, empty data directory (SQLite)', first)
  report('cold start, existing data directory (SQLite)', again)
  if (!withPostgres) return
  const pgFirst: StartRun[] = []
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'crm-bench-start-'))
    const scratch = await createScratchDatabase(PG_BASE, 'crm_bench_start')
    try {
      pgFirst.push(await timeStart(dir, { DATABASE_URL: scratch.url }))
    } finally {
      await scratch.drop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
  report('first start, empty PostgreSQL database', pgFirst)
}
