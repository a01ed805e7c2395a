/**
 * `bun run bench:fuzz`: the property of tests/reliability/fuzz.test.ts (every
 * route, random and hostile requests: no 5xx, JSON errors with a detail, no
 * data change on a rejected request, bounded answer time) with many more runs.
 *
 *   FUZZ_RUNS=20000 FUZZ_SEED=42 bun run bench:fuzz
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm FUZZ_DIALECT=postgres bun run bench:fuzz
 *
 * A failure prints the seed and the shrunk counterexample; re-run with that
 * FUZZ_SEED to reproduce it.
 */
import type { Dialect } from '../testkit/app'
import { businessChecksum, fuzzAllRoutes, fuzzWorld } from '../testkit/fuzz'

const runs = Number(process.env.FUZZ_RUNS ?? 20_000)
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const dialect = (process.env.FUZZ_DIALECT ?? 'sqlite') as Dialect
if (dialect === 'postgres' && !process.env.TEST_DATABASE_URL) throw new Error('FUZZ_DIALECT=postgres needs TEST_DATABASE_URL')

console.log(`fuzzing every route: ${runs} runs, seed ${seed}, ${dialect}`)
const world = await fuzzWorld(dialect)
const started = performance.now()
let failed = false
try {
  const counts = await fuzzAllRoutes(world, { seed, numRuns: runs })
  const seconds = (performance.now() - started) / 1000
  const byStatus = new Map<number, number>()
  for (const [key, n] of counts) {
    const status = Number(key.slice(key.lastIndexOf(' ') + 1))
    byStatus.set(status, (byStatus.get(status) ?? 0) + n)
  }
  console.log(`passed: ${runs} runs over ${world.routes.length} routes in ${seconds.toFixed(1)} s (${Math.round(runs / seconds)} runs/s)`)
  console.log(
    `answers by status: ${[...byStatus]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ')}`,
  )
  console.log(`successful requests per route:`)
  for (const [key, n] of [...counts].filter(([k]) => / 2\d\d$/.test(k)).sort()) console.log(`  ${key}: ${n}`)
  console.log(`messages at the fake Twilio: ${world.twilio.accepted().length}, at the fake SMTP: ${world.smtp.messages.length}`)
  console.log(`business data at the end: ${await businessChecksum(world.testApp)}`)
} catch (error) {
  failed = true
  console.error(`FAILED with seed ${seed}:\n${(error as Error).message}`)
} finally {
  await world.close()
}
process.exit(failed ? 1 : 0)
