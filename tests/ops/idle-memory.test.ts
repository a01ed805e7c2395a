import { expect, test } from 'bun:test'
import { AFTER_START_MS, finishStartup } from '../../src/idle-memory'

function recorder() {
  const calls: string[] = []
  return { calls, runtime: { release: () => calls.push('release'), normalJit: () => calls.push('normalJit') } }
}

test('shortly after listening, start-up memory is released once and only then does the JIT get its normal policy', async () => {
  const { calls, runtime } = recorder()
  finishStartup(runtime)
  expect(calls).toEqual([])
  await Bun.sleep(AFTER_START_MS + 100)
  expect(calls).toEqual(['release', 'normalJit'])
  await Bun.sleep(AFTER_START_MS + 100)
  expect(calls).toEqual(['release', 'normalJit'])
})

test('a server stopping before then cancels it', async () => {
  const { calls, runtime } = recorder()
  finishStartup(runtime)()
  await Bun.sleep(AFTER_START_MS + 100)
  expect(calls).toEqual([])
})

test("with Bun's own runtime: the collection, the shrink and the policy change run without error", async () => {
  finishStartup()
  await Bun.sleep(AFTER_START_MS + 100)
})
