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

test("with Bun's own runtime: the collection, the shrink and the policy change exist and run without error", async () => {
  // Bun.shrink is deprecated in Bun's typings: this fails the day an upgrade removes it.
  expect(typeof Bun.shrink).toBe('function')
  expect(typeof Bun.unsafe.setJITPolicy).toBe('function')
  const errors: unknown[] = []
  const onError = (error: unknown) => errors.push(error)
  process.on('uncaughtException', onError)
  try {
    finishStartup()
    await Bun.sleep(AFTER_START_MS + 100)
  } finally {
    process.off('uncaughtException', onError)
  }
  expect(errors).toEqual([])
})
