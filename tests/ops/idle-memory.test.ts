import { describe, expect, test } from 'bun:test'
import { AFTER_START_MS, finishStartup, releaseAfterBursts } from '../../src/idle-memory'

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

describe('after a burst of requests', () => {
  const CHECK_MS = 30

  function watched(minGapMs = 0) {
    let answered = 0
    let releases = 0
    const stop = releaseAfterBursts(
      () => answered,
      () => releases++,
      { checkMs: CHECK_MS, minGapMs },
    )
    return { answer: () => answered++, releases: () => releases, stop }
  }

  test('nothing is released while no request has been answered, nor while requests keep coming', async () => {
    const server = watched()
    try {
      await Bun.sleep(CHECK_MS * 4)
      expect(server.releases()).toBe(0)
      for (let i = 0; i < 6; i++) {
        server.answer()
        await Bun.sleep(CHECK_MS / 2)
      }
      expect(server.releases()).toBe(0)
    } finally {
      server.stop()
    }
  })

  test('a whole check period without an answer releases once, and the next burst once more', async () => {
    const server = watched()
    try {
      server.answer()
      await Bun.sleep(CHECK_MS * 4)
      expect(server.releases()).toBe(1)
      await Bun.sleep(CHECK_MS * 3)
      expect(server.releases()).toBe(1)
      server.answer()
      await Bun.sleep(CHECK_MS * 4)
      expect(server.releases()).toBe(2)
    } finally {
      server.stop()
    }
  })

  test('bursts closer together than the minimum gap share one release; a stopped server releases nothing', async () => {
    const server = watched(60_000)
    try {
      server.answer()
      await Bun.sleep(CHECK_MS * 4)
      server.answer()
      await Bun.sleep(CHECK_MS * 4)
      expect(server.releases()).toBe(1)
    } finally {
      server.stop()
    }
    const stopped = watched()
    stopped.stop()
    stopped.answer()
    await Bun.sleep(CHECK_MS * 4)
    expect(stopped.releases()).toBe(0)
  })
})
