import { releaseCodePages } from './code-pages'
import type { Database } from './db/client'

/** How long after listening start-up ends: past the first health checks, before anyone reads the RSS. */
export const AFTER_START_MS = 200

export interface StartupRuntime {
  /** A full collection that also drops compiled code (what runs again is compiled again). */
  release(): void
  /** The normal JIT policy for requests. */
  normalJit(): void
}

const BUN_RUNTIME: StartupRuntime = {
  release() {
    Bun.gc(true)
    // Deprecated in Bun's typings, but nothing else drops compiled code (JSC's
    // shrinkFootprintWhenIdle: delete all code, full collection, free malloc pages);
    // it runs as soon as no JavaScript is running.
    Bun.shrink()
    releaseCodePages()
  },
  normalJit: () => Bun.unsafe.setJITPolicy(1),
}

/**
 * Ends start-up shortly after the server listens. The executable starts with a
 * reluctant JIT (deploy/build.ts), but the start-up code still counted its calls:
 * with the normal policy back at once, its hottest helpers (TypeBox's guards,
 * drizzle's `is`) were compiled by the baseline JIT and the DFG on their next
 * call after listening, pulling both compilers into memory for code that
 * requests barely use. So first the start-up garbage and compiled code (with
 * those counts) go, then requests get the normal policy: about 6 MB less
 * resident at idle. Returns the function that cancels it.
 */
export function finishStartup(runtime: StartupRuntime = BUN_RUNTIME): () => void {
  const timer = setTimeout(() => {
    runtime.release()
    runtime.normalJit()
  }, AFTER_START_MS)
  timer.unref()
  return () => clearTimeout(timer)
}

/** How often the server looks for the end of a burst of requests; a whole period without an answer ends it. */
export const IDLE_CHECK_MS = 2000
/** At most one release in this long: sporadic traffic must not pay a full collection per request. */
const MIN_RELEASE_GAP_MS = 30_000

/**
 * Once a burst of requests is over (a whole check period without an answered
 * request), `release` runs: in the server `burstLeftovers`, a full collection,
 * the executable's code pages and SQLite's file mapping handed back. A load leaves
 * tens of MB resident that an idle server does not use: garbage the collector
 * had no reason yet to take, code only the load ran, the database pages it read
 * through the mapping. Compiled code is kept, unlike at start-up: the next
 * burst runs it again. `answered` counts answered requests. Returns the
 * function that stops it.
 */
export function releaseAfterBursts(
  answered: () => number,
  release: () => void,
  options: { checkMs?: number; minGapMs?: number } = {},
): () => void {
  const { checkMs = IDLE_CHECK_MS, minGapMs = MIN_RELEASE_GAP_MS } = options
  let seen = answered()
  let burst = false
  let releasedAt = Number.NEGATIVE_INFINITY
  const timer = setInterval(() => {
    const now = answered()
    if (now !== seen) {
      seen = now
      burst = true
      return
    }
    if (!burst || performance.now() - releasedAt < minGapMs) return
    burst = false
    releasedAt = performance.now()
    release()
  }, checkMs)
  timer.unref()
  return () => clearInterval(timer)
}

/** What a server hands back after a burst: the garbage, the code only the burst ran, SQLite's mapped pages. */
export function burstLeftovers(database: Database): () => void {
  return () => {
    Bun.gc(true)
    releaseCodePages()
    if (database.kind === 'sqlite') database.releaseFileMapping()
  }
}
