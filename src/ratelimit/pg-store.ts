import type postgres from 'postgres'
import { evaluate, longestWindowMs, type LimitDecision, type SmsPolicy, type WindowCount, type WindowName } from './policy'

const PRUNE_EVERY_MS = 60_000
/** First half of the two-int advisory lock key: keeps these locks apart from the migration lock and anyone else's. */
const LOCK_NAMESPACE = 0x534d53 // "SMS"

/** A 32-bit lock id for a limiter key; a collision only serialises two unrelated keys, never breaks a limit. */
function lockId(key: string): number {
  return Bun.hash.crc32(key) | 0
}

type Row = Record<string, string | number | null>

/**
 * PostgreSQL store, safe across processes and hosts: one transaction takes a
 * transaction-scoped advisory lock per key (in ascending id order, so two
 * requests never wait on each other crosswise), then counts and inserts.
 * Time comes from the database clock, so replicas on different hosts agree.
 */
export class PgLimiterStore {
  private lastPrune = 0
  private readonly countSql: string

  constructor(
    private readonly sql: postgres.Sql,
    private readonly policy: SmsPolicy,
  ) {
    const columns = policy.flatMap((rule, i) => [
      `count(e.id) FILTER (WHERE e.key = $${i + 1} AND e.at > n.now - ${rule.windowMs}) AS c_${rule.name}`,
      `min(e.at) FILTER (WHERE e.key = $${i + 1} AND e.at > n.now - ${rule.windowMs}) AS o_${rule.name}`,
    ])
    const n = policy.length
    this.countSql =
      `WITH n AS (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now) ` +
      `SELECT n.now, ${columns.join(', ')} FROM n LEFT JOIN rate_limit_events e ` +
      `ON e.key IN ($${n + 1}, $${n + 2}) AND e.at > n.now - ${longestWindowMs(policy)} GROUP BY n.now`
  }

  async consume(userKey: string, destinationKey: string): Promise<LimitDecision> {
    const keyOf = (subject: 'user' | 'destination') => (subject === 'user' ? userKey : destinationKey)
    const locks = [...new Set([lockId(userKey), lockId(destinationKey)])].sort((a, b) => a - b)
    const { decision, now } = await this.sql.begin(async (tx) => {
      for (const id of locks) await tx`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}::int, ${id}::int)`
      const [row] = (await tx.unsafe(this.countSql, [...this.policy.map((rule) => keyOf(rule.subject)), userKey, destinationKey])) as Row[]
      const now = Number(row!.now)
      const counts = {} as Record<WindowName, WindowCount>
      for (const rule of this.policy) {
        const count = Number(row![`c_${rule.name}`] ?? 0)
        const oldest = row![`o_${rule.name}`]
        const oldestAt = oldest === null || oldest === undefined ? null : Number(oldest)
        let releaseAt: number | null = null
        if (count >= rule.limit) {
          releaseAt = oldestAt
          if (count > rule.limit) {
            const [later] = await tx`SELECT at FROM rate_limit_events WHERE key = ${keyOf(rule.subject)} AND at > ${now - rule.windowMs} ORDER BY at LIMIT 1 OFFSET ${count - rule.limit}`
            if (later) releaseAt = Number(later.at)
          }
        }
        counts[rule.name] = { count, oldestAt, releaseAt }
      }
      const decision = evaluate(this.policy, { now, counts })
      // Only accepted sends are recorded: rejected requests never count.
      if (decision.ok) await tx`INSERT INTO rate_limit_events (key, at) VALUES (${userKey}, ${now}), (${destinationKey}, ${now})`
      return { decision, now }
    })
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now
      // Outside the locked transaction: pruning never delays a decision's locks.
      await this.sql`DELETE FROM rate_limit_events WHERE at <= ${now - longestWindowMs(this.policy)}`.catch(() => {})
    }
    return decision
  }
}
