import { and, asc, count, eq, gt, lt, lte } from 'drizzle-orm'
import type { AppContext } from '../context'
import { onlyRow } from '../db/rows'

/** Failed logins are counted over this rolling window (15 minutes). */
const LOGIN_WINDOW_MS = 15 * 60_000
const PRUNE_EVERY_MS = 60_000

export type ThrottleVerdict = { allowed: true; attemptId: number } | { allowed: false; retryAfterSeconds: number; scope: 'account' | 'ip' }

export function throttleDetail(retryAfterSeconds: number): string {
  return `Too many failed login attempts. Retry after ${retryAfterSeconds} seconds.`
}

/**
 * Login throttling kept in the database (table login_attempts), so it holds
 * across restarts and across replicas sharing one PostgreSQL database.
 *
 * An attempt first reserves a row as a failure, then counts the failures up to
 * and including its own: concurrent guesses cannot all slip through a
 * check-then-act gap. The row becomes a success once the password matched.
 */
export class LoginThrottle {
  private lastPrune = 0
  /** The tail of each account's queue of attempts in this process. */
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(private readonly ctx: AppContext) {}

  /** Runs attempts for one key in arrival order, each after the previous one settled. */
  async oneAtATime<T>(key: string, run: () => Promise<T>): Promise<T> {
    const current = (this.queues.get(key) ?? Promise.resolve()).then(run, run)
    const tail = current.catch(() => {})
    this.queues.set(key, tail)
    try {
      return await current
    } finally {
      if (this.queues.get(key) === tail) this.queues.delete(key)
    }
  }

  private get limits() {
    return { account: this.ctx.config.loginMaxFailures, ip: this.ctx.config.loginMaxFailuresPerIp }
  }

  /** Seconds until enough counted failures leave the window for one more attempt. */
  private async retryAfter(
    column: 'email' | 'ip',
    key: string,
    limit: number,
    since: number,
    now: number,
    upToId?: number,
  ): Promise<number> {
    const { loginAttempts } = this.ctx.database.tables
    const filters = [eq(loginAttempts[column], key), eq(loginAttempts.succeeded, false), gt(loginAttempts.at, since)]
    if (upToId !== undefined) filters.push(lt(loginAttempts.id, upToId))
    const failures = await this.ctx.database.db
      .select({ at: loginAttempts.at })
      .from(loginAttempts)
      .where(and(...filters))
      .orderBy(asc(loginAttempts.at))
    // With `n` counted failures, one more attempt is allowed once n - limit + 1 of them have aged out.
    const leaving = failures[Math.max(0, failures.length - limit)]
    const until = (leaving?.at ?? now) + LOGIN_WINDOW_MS
    return Math.max(1, Math.ceil((until - now) / 1000))
  }

  private async failures(column: 'email' | 'ip', key: string, since: number, upToId?: number): Promise<number> {
    const { loginAttempts } = this.ctx.database.tables
    const filters = [eq(loginAttempts[column], key), eq(loginAttempts.succeeded, false), gt(loginAttempts.at, since)]
    if (upToId !== undefined) filters.push(lte(loginAttempts.id, upToId))
    const [row] = await this.ctx.database.db
      .select({ value: count() })
      .from(loginAttempts)
      .where(and(...filters))
    return row?.value ?? 0
  }

  /** Checks both limits and, when allowed, reserves the attempt (as a failure until `succeeded`). */
  async begin(email: string, ip: string): Promise<ThrottleVerdict> {
    const now = Date.now()
    const since = now - LOGIN_WINDOW_MS
    await this.pruneOccasionally(now)
    const { account, ip: perIp } = this.limits
    // Fast path: already over a limit, no row written.
    if ((await this.failures('email', email, since)) >= account) {
      return { allowed: false, scope: 'account', retryAfterSeconds: await this.retryAfter('email', email, account, since, now) }
    }
    if ((await this.failures('ip', ip, since)) >= perIp) {
      return { allowed: false, scope: 'ip', retryAfterSeconds: await this.retryAfter('ip', ip, perIp, since, now) }
    }
    const { loginAttempts } = this.ctx.database.tables
    const { id: attemptId } = onlyRow(
      await this.ctx.database.db.insert(loginAttempts).values({ email, ip, succeeded: false, at: now }).returning({ id: loginAttempts.id }),
    )
    // Concurrent attempts: the earliest reservations win, later ones are turned away.
    const overAccount = (await this.failures('email', email, since, attemptId)) > account
    const overIp = !overAccount && (await this.failures('ip', ip, since, attemptId)) > perIp
    if (overAccount || overIp) {
      await this.ctx.database.db.delete(loginAttempts).where(eq(loginAttempts.id, attemptId))
      const scope = overAccount ? 'account' : 'ip'
      const retryAfterSeconds = overAccount
        ? await this.retryAfter('email', email, account, since, now, attemptId)
        : await this.retryAfter('ip', ip, perIp, since, now, attemptId)
      return { allowed: false, scope, retryAfterSeconds }
    }
    return { allowed: true, attemptId }
  }

  /** The password matched: the reserved row no longer counts as a failure. */
  async succeeded(attemptId: number): Promise<void> {
    const { loginAttempts } = this.ctx.database.tables
    await this.ctx.database.db.update(loginAttempts).set({ succeeded: true }).where(eq(loginAttempts.id, attemptId))
  }

  private async pruneOccasionally(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return
    this.lastPrune = now
    const { loginAttempts } = this.ctx.database.tables
    await this.ctx.database.db.delete(loginAttempts).where(lt(loginAttempts.at, now - LOGIN_WINDOW_MS))
  }
}
