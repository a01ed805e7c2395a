import { and, count, eq, gt, like, lt } from 'drizzle-orm'
import type { Database } from '../db/client'

/** Reset requests are counted per rolling hour (the SMS limiter prunes rate_limit_events after an hour too). */
const RESET_WINDOW_MS = 60 * 60_000
const RESET_MAX_PER_ACCOUNT = 3
const RESET_MAX_PER_IP = 20
const KEY_PREFIX = 'pwreset:'
const PRUNE_EVERY_MS = 60_000

export type ResetVerdict = { allowed: true } | { allowed: false; scope: 'account' | 'ip'; retryAfterSeconds: number }

/**
 * Bounds reset e-mails per address (no mail-bombing a user) and requests per
 * client IP (no sweeping through addresses). Kept in rate_limit_events under
 * its own keys, so it holds across restarts and replicas.
 */
export class ResetThrottle {
  private lastPrune = 0

  constructor(private readonly database: Database) {}

  private async oldestInWindow(key: string, since: number, limit: number): Promise<number | undefined> {
    const { rateLimitEvents } = this.database.tables
    const [row] = await this.database.db
      .select({ value: count() })
      .from(rateLimitEvents)
      .where(and(eq(rateLimitEvents.key, key), gt(rateLimitEvents.at, since)))
    if ((row?.value ?? 0) < limit) return undefined
    const events = await this.database.db
      .select({ at: rateLimitEvents.at })
      .from(rateLimitEvents)
      .where(and(eq(rateLimitEvents.key, key), gt(rateLimitEvents.at, since)))
      .orderBy(rateLimitEvents.at)
    return events[events.length - limit]?.at ?? since
  }

  /** Counts the request under both keys (known and unknown addresses alike) when it is allowed. */
  async take(email: string, ip: string): Promise<ResetVerdict> {
    const now = Date.now()
    const since = now - RESET_WINDOW_MS
    await this.prune(now)
    const keys = { account: `${KEY_PREFIX}account:${email}`, ip: `${KEY_PREFIX}ip:${ip}` }
    for (const scope of ['ip', 'account'] as const) {
      const oldest = await this.oldestInWindow(keys[scope], since, scope === 'ip' ? RESET_MAX_PER_IP : RESET_MAX_PER_ACCOUNT)
      if (oldest !== undefined)
        return { allowed: false, scope, retryAfterSeconds: Math.max(1, Math.ceil((oldest + RESET_WINDOW_MS - now) / 1000)) }
    }
    const { rateLimitEvents } = this.database.tables
    await this.database.db.insert(rateLimitEvents).values([
      { key: keys.account, at: now },
      { key: keys.ip, at: now },
    ])
    return { allowed: true }
  }

  private async prune(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return
    this.lastPrune = now
    const { rateLimitEvents } = this.database.tables
    await this.database.db
      .delete(rateLimitEvents)
      .where(and(like(rateLimitEvents.key, `${KEY_PREFIX}%`), lt(rateLimitEvents.at, now - RESET_WINDOW_MS)))
  }
}
