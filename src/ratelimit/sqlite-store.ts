import type { Database as SqliteHandle, Statement } from 'bun:sqlite'
import { evaluate, longestWindowMs, type LimitDecision, type SmsPolicy, type WindowCount, type WindowName } from './policy'
import type { LimiterStore } from './store'

const PRUNE_EVERY_MS = 60_000

type CountRow = Record<string, number | null>

/**
 * SQLite store. The count and the insert run in one synchronous
 * `BEGIN IMMEDIATE` transaction on the raw handle: nothing else in this
 * process can interleave (bun:sqlite is synchronous), and other processes on
 * the same file wait on the write lock (busy_timeout). Drizzle's async
 * transaction is deliberately not used: on bun:sqlite it commits at the first
 * await.
 */
export class SqliteLimiterStore implements LimiterStore {
  private readonly countStatement: Statement<CountRow, (string | number)[]>
  private readonly releaseStatement: Statement<{ at: number }, [string, number, number]>
  private readonly insertStatement: Statement<unknown, [string, number, string, number]>
  private readonly pruneStatement: Statement<unknown, [number]>
  private readonly attempt: (userKey: string, destinationKey: string, now: number) => LimitDecision
  private lastPrune = 0

  constructor(
    handle: SqliteHandle,
    private readonly policy: SmsPolicy,
  ) {
    // One pass over the index range of both keys gives every window's count and oldest event.
    const columns = policy.flatMap((rule, i) => [
      `count(*) FILTER (WHERE key = ?${i * 2 + 1} AND at > ?${i * 2 + 2}) AS c_${rule.name}`,
      `min(at) FILTER (WHERE key = ?${i * 2 + 1} AND at > ?${i * 2 + 2}) AS o_${rule.name}`,
    ])
    const n = policy.length * 2
    this.countStatement = handle.prepare(
      `SELECT ${columns.join(', ')} FROM rate_limit_events WHERE key IN (?${n + 1}, ?${n + 2}) AND at > ?${n + 3}`,
    )
    this.releaseStatement = handle.prepare('SELECT at FROM rate_limit_events WHERE key = ?1 AND at > ?2 ORDER BY at LIMIT 1 OFFSET ?3')
    this.insertStatement = handle.prepare('INSERT INTO rate_limit_events (key, at) VALUES (?1, ?2), (?3, ?4)')
    this.pruneStatement = handle.prepare('DELETE FROM rate_limit_events WHERE at <= ?1')
    this.attempt = handle.transaction((userKey: string, destinationKey: string, now: number) =>
      this.decide(userKey, destinationKey, now),
    ).immediate
  }

  private decide(userKey: string, destinationKey: string, now: number): LimitDecision {
    const keyOf = (subject: 'user' | 'destination') => (subject === 'user' ? userKey : destinationKey)
    const params: (string | number)[] = []
    for (const rule of this.policy) params.push(keyOf(rule.subject), now - rule.windowMs)
    params.push(userKey, destinationKey, now - longestWindowMs(this.policy))
    const row = this.countStatement.get(...params) ?? {}
    const counts = {} as Record<WindowName, WindowCount>
    for (const rule of this.policy) {
      const count = Number(row[`c_${rule.name}`] ?? 0)
      const oldestAt = row[`o_${rule.name}`] ?? null
      let releaseAt: number | null = null
      if (count >= rule.limit) {
        // Usually count == limit and the oldest event is the one to wait for; after a limit was lowered, a later one.
        releaseAt =
          count === rule.limit
            ? oldestAt
            : (this.releaseStatement.get(keyOf(rule.subject), now - rule.windowMs, count - rule.limit)?.at ?? oldestAt)
      }
      counts[rule.name] = { count, oldestAt, releaseAt }
    }
    const decision = evaluate(this.policy, { now, counts })
    // Only accepted sends are recorded: rejected requests never count.
    if (decision.ok) this.insertStatement.run(userKey, now, destinationKey, now)
    return decision
  }

  consume(userKey: string, destinationKey: string): LimitDecision {
    const now = Date.now()
    const decision = this.attempt(userKey, destinationKey, now)
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now
      this.pruneStatement.run(now - longestWindowMs(this.policy))
    }
    return decision
  }
}
