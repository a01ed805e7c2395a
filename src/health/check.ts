import type { Database } from '../db/client'

/** How long a successful PostgreSQL check answers /health without a new round trip. */
export const POSTGRES_CHECK_MAX_AGE_MS = 1000

const PASSED = () => true
const FAILED = () => false

/**
 * The database part of /health. On PostgreSQL a check that succeeded less than
 * a second ago is reused and concurrent callers share one ping, so a load
 * balancer or monitor polling /health costs at most one round trip a second;
 * a failure is never reused (the next call checks again), so an outage shows
 * within about a second and recovery on the first good ping. SQLite has no
 * round trip to save: every call checks.
 */
export class DatabaseCheck {
  private okAt = Number.NEGATIVE_INFINITY
  private inFlight: Promise<boolean> | undefined
  private readonly maxAgeMs: number

  constructor(private readonly database: Database) {
    this.maxAgeMs = database.kind === 'postgres' ? POSTGRES_CHECK_MAX_AGE_MS : 0
  }

  /** The answer when it needs no waiting: always on SQLite (its probe runs in place), else undefined. */
  okNow(): boolean | undefined {
    if (this.database.kind !== 'sqlite') return undefined
    try {
      this.database.pingNow()
      return true
    } catch {
      return false
    }
  }

  async ok(): Promise<boolean> {
    if (this.maxAgeMs === 0) return this.database.ping().then(PASSED, FAILED)
    if (performance.now() - this.okAt < this.maxAgeMs) return true
    this.inFlight ??= this.database.ping().then(
      () => {
        this.okAt = performance.now()
        this.inFlight = undefined
        return true
      },
      () => {
        this.okAt = Number.NEGATIVE_INFINITY
        this.inFlight = undefined
        return false
      },
    )
    return this.inFlight
  }
}
