import { releaseStartupCode } from './code-pages'

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
    releaseStartupCode()
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
