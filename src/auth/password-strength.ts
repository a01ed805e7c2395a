/** zxcvbn score 3 = "safely unguessable" (at least 10^8 guesses); 0–2 are common or pattern-built passwords. */
export const MIN_STRENGTH_SCORE = 3

/** The worker (and its memory) goes after this long without a password check. */
const ESTIMATOR_IDLE_MS = 30_000

interface Pending {
  resolve(score: number): void
  reject(error: Error): void
}

let worker: Worker | undefined
let idleTimer: ReturnType<typeof setTimeout> | undefined
let nextId = 0
const pending = new Map<number, Pending>()

function stop(): void {
  worker?.terminate()
  worker = undefined
}

/**
 * From source: beside this module. In the compiled binary (where the worker is a
 * second entry point, deploy/build.ts) this code sits in the bundle at the root
 * of its embedded files, and the worker under its path relative to src/.
 */
function workerUrl(): string {
  const compiled = import.meta.url.includes('/$bunfs/') || import.meta.url.includes('/~BUN/')
  return new URL(compiled ? './auth/password-strength.worker.js' : './password-strength.worker.ts', import.meta.url).href
}

/**
 * The dictionaries cost about 75 MB and a few hundred milliseconds to load,
 * and most processes never set a password: they are loaded in a worker on the
 * first check, and the worker is ended once checks stop, giving the memory back.
 */
function estimator(): Worker {
  if (worker) return worker
  const started = new Worker(workerUrl())
  // Never what keeps a process alive (Bun's Worker has unref; the DOM type does not say so).
  ;(started as Worker & { unref(): void }).unref()
  started.onmessage = (event: MessageEvent<{ id: number; score: number }>) => {
    const waiting = pending.get(event.data.id)
    pending.delete(event.data.id)
    waiting?.resolve(event.data.score)
  }
  started.onerror = (event) => {
    event.preventDefault()
    if (worker === started) worker = undefined
    started.terminate()
    for (const [id, waiting] of pending) {
      pending.delete(id)
      waiting.reject(new Error('password strength estimator failed'))
    }
  }
  worker = started
  return started
}

/** 0–4; `userInputs` (email, names) count as known words, so variants of them score low. */
export async function passwordStrength(password: string, userInputs: string[]): Promise<number> {
  clearTimeout(idleTimer)
  const id = ++nextId
  const score = new Promise<number>((resolve, reject) => pending.set(id, { resolve, reject }))
  estimator().postMessage({ id, password, userInputs })
  try {
    return await score
  } finally {
    if (pending.size === 0) {
      idleTimer = setTimeout(stop, ESTIMATOR_IDLE_MS)
      idleTimer.unref()
    }
  }
}
