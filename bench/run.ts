/**
 * `bun run bench`: starts the server (the compiled binary when built, else the
 * source) and reports throughput and latency of each scenario as a ratio of
 * /health measured on the same server in the same run.
 *   BENCH_SECONDS=10 BENCH_CONNECTIONS=64 BENCH_ONLY=health bun run bench
 */
import { existsSync } from 'node:fs'
import { BINARY } from '../tests/helpers/spawn'
import { load, printTable, rssMegabytes, startServer, type Scenario } from './lib'
import { scenarios } from './scenarios'

const kind = existsSync(BINARY) && process.env.BENCH_SOURCE !== '1' ? 'binary' : 'source'
const only = process.env.BENCH_ONLY?.split(',')

async function coldStart() {
  const runs: number[] = []
  let idle = NaN
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    const server = await startServer({ kind })
    while ((await fetch(`${server.url}/health`).catch(() => undefined))?.status !== 200) await Bun.sleep(2)
    runs.push(performance.now() - started)
    if (i === 4) {
      await Bun.sleep(1000)
      idle = rssMegabytes(server.process.pid)
    }
    await server.stop()
  }
  runs.sort((a, b) => a - b)
  console.log(`cold start (spawn to first /health 200, ${kind}): median ${runs[2]!.toFixed(0)} ms, best ${runs[0]!.toFixed(0)} ms`)
  console.log(`idle resident memory after start: ${idle} MB`)
}

async function runScenario(scenario: Scenario) {
  const server = await startServer({ kind, env: { LOG_LEVEL: 'warn', ...scenario.env } })
  try {
    const health = await load('GET /health', { url: `${server.url}/health` })
    const rows = await scenario.run(server)
    console.log(`\n## ${scenario.name} (${kind}, RSS after: ${rssMegabytes(server.process.pid)} MB)`)
    printTable([health, ...rows], health)
  } finally {
    await server.stop()
  }
}

if (!only || only.includes('coldstart')) await coldStart()
for (const scenario of scenarios) {
  if (only && !only.includes(scenario.name)) continue
  await runScenario(scenario)
}
process.exit(0)
