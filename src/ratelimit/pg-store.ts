import type postgres from 'postgres'
import { evaluate, longestWindowMs, type LimitDecision, type SmsPolicy, type WindowCount, type WindowName } from './policy'
import type { LimiterStore } from './store'

const PRUNE_EVERY_MS = 60_000
/** First half of the two-int advisory lock key: keeps these locks apart from the migration lock and anyone else's. */
const LOCK_NAMESPACE = 0x534d53 // "SMS"

/** A 32-bit lock id for a limiter key; a collision only serialises two unrelated keys, never breaks a limit. */
function lockId(key: string): number {
  return Bun.hash.crc32(key) | 0
}

type Row = Record<string, string | number | null>

/**
 * PostgreSQL store, exact across processes and hosts. One transaction:
 *   1. BEGIN and a transaction-scoped advisory lock per key, in ascending id
 *      order (two requests never wait on each other crosswise);
 *   2. one statement that counts every window and, only when all have room,
 *      inserts one event per key. It starts after the locks are held, so its
 *      snapshot sees every earlier decision on these keys (READ COMMITTED
 *      takes a snapshot per statement);
 *   3. COMMIT.
 * The three are pipelined on one reserved connection: one network round trip.
 * Time comes from the database clock, so replicas on different hosts agree.
 */
export class PgLimiterStore implements LimiterStore {
  private lastPrune = 0
  private readonly decideSql: string

  constructor(
    private readonly sql: postgres.Sql,
    private readonly policy: SmsPolicy,
  ) {
    const n = policy.length
    const userParam = `$${n + 1}`
    const destinationParam = `$${n + 2}`
    const counts = policy.map(
      (rule, i) => `count(e.id) FILTER (WHERE e.key = $${i + 1} AND e.at > n.now - ${rule.windowMs}) AS c_${rule.name}`,
    )
    // The event whose expiry frees one unit: the oldest, or a later one when more than `limit` are counted.
    const picks = policy.map(
      (rule, i) =>
        `(SELECT at FROM rate_limit_events WHERE key = $${i + 1} AND at > c.now - ${rule.windowMs} ORDER BY at OFFSET greatest(c.c_${rule.name} - ${rule.limit}, 0) LIMIT 1) AS p_${rule.name}`,
    )
    const room = policy.map((rule) => `p.c_${rule.name} < ${rule.limit}`).join(' AND ')
    this.decideSql =
      `WITH n AS (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now), ` +
      `c AS (SELECT n.now, ${counts.join(', ')} FROM n LEFT JOIN rate_limit_events e ` +
      `ON e.key IN (${userParam}, ${destinationParam}) AND e.at > n.now - ${longestWindowMs(policy)} GROUP BY n.now), ` +
      `p AS (SELECT c.*, ${picks.join(', ')} FROM c), ` +
      `ins AS (INSERT INTO rate_limit_events (key, at) SELECT k, p.now FROM p, unnest(ARRAY[${userParam}::text, ${destinationParam}::text]) AS k WHERE ${room} RETURNING 1) ` +
      `SELECT p.*, (SELECT count(*) FROM ins) AS inserted FROM p`
  }

  async consume(userKey: string, destinationKey: string): Promise<LimitDecision> {
    const keyOf = (subject: 'user' | 'destination') => (subject === 'user' ? userKey : destinationKey)
    const locks = [...new Set([lockId(userKey), lockId(destinationKey)])].sort((a, b) => a - b)
    // Integers we computed: safe to inline in the parameterless (multi-statement) BEGIN.
    const begin = `BEGIN; ${locks.map((id) => `SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${id})`).join('; ')}`
    const params = [...this.policy.map((rule) => keyOf(rule.subject)), userKey, destinationKey]

    const connection = await this.sql.reserve()
    let row: Row
    try {
      const sent = [
        connection.unsafe(begin).execute(),
        connection.unsafe(this.decideSql, params).execute(),
        connection.unsafe('COMMIT').execute(),
      ]
      const settled = await Promise.allSettled(sent)
      const failure = settled.find((s) => s.status === 'rejected')
      if (failure) {
        await connection.unsafe('ROLLBACK').catch(() => {})
        throw (failure as PromiseRejectedResult).reason
      }
      const decided = (settled[1] as PromiseFulfilledResult<Row[]>).value[0]
      // The statement selects from a one-row CTE: it always answers one row.
      if (!decided) throw new Error('rate limiter statement returned no row')
      row = decided
    } finally {
      connection.release()
    }

    const now = Number(row.now)
    const counts = {} as Record<WindowName, WindowCount>
    for (const rule of this.policy) {
      const count = Number(row[`c_${rule.name}`] ?? 0)
      const pick = row[`p_${rule.name}`]
      const at = pick === null || pick === undefined ? null : Number(pick)
      counts[rule.name] = { count, oldestAt: at, releaseAt: count >= rule.limit ? at : null }
    }
    const decision = evaluate(this.policy, { now, counts })
    // The statement inserted exactly when every window had room, which is what `evaluate` decides from the same counts.
    if (decision.ok !== Number(row.inserted) > 0) throw new Error('rate limiter decision mismatch')

    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now
      // Outside the locked transaction: pruning never delays a decision.
      await this.sql`DELETE FROM rate_limit_events WHERE at <= ${now - longestWindowMs(this.policy)}`.catch(() => {})
    }
    return decision
  }
}
