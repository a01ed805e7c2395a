import { beforeAll, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { createLimiterStore } from '../../src/ratelimit/limiter'
import { destinationKey, smsPolicy, userKey, type LimitDecision } from '../../src/ratelimit/policy'
import type { LimiterStore } from '../../src/ratelimit/store'
import { describeEachDialect } from '../helpers/harness'
import { useMigratedDatabase } from '../db/migrated'

const POLICY = smsPolicy({ smsPerMinute: 2, smsPerHour: 3, smsPerDestinationHour: 2 })
let numberSeq = 0
const freshDestination = () => destinationKey(`+1415555${String(1000 + numberSeq++).padStart(4, '0')}`)
const refusedBy = (decision: LimitDecision) => (decision.ok ? undefined : decision.limit)

/** The LimiterStore contract, run against the implementation of each database. */
describeEachDialect('LimiterStore contract', (dialect) => {
  const current = useMigratedDatabase(dialect)
  let store: LimiterStore

  beforeAll(() => {
    store = createLimiterStore(current(), POLICY)
  })

  async function events(key: string): Promise<number> {
    const { db, tables } = current()
    return db.$count(tables.rateLimitEvents, eq(tables.rateLimitEvents.key, key))
  }

  test('sends pass up to the per-minute limit; the next is refused by that window and not recorded', async () => {
    const user = userKey(1)
    expect((await store.consume(user, freshDestination())).ok).toBe(true)
    expect((await store.consume(user, freshDestination())).ok).toBe(true)
    const refused = await store.consume(user, freshDestination())
    if (refused.ok) throw new Error('the third send in a minute passed')
    expect(refused.limit).toBe('minute')
    expect(refused.retryAfter).toBeWithin(1, 61)
    expect(refused.headers['RateLimit-Policy']).toBe('"minute";q=2;w=60, "hour";q=3;w=3600, "destination";q=2;w=3600')
    expect(await events(user)).toBe(2)
  })

  test('one number receives no more than its hourly limit, whoever sends', async () => {
    const destination = freshDestination()
    const decisions = []
    for (const id of [2, 3, 4]) decisions.push(await store.consume(userKey(id), destination))
    expect(decisions.map(refusedBy)).toEqual([undefined, undefined, 'destination'])
    expect(await events(destination)).toBe(2)
  })

  test('once the minute has passed, the hourly limit still counts the earlier sends', async () => {
    const user = userKey(5)
    await store.consume(user, freshDestination())
    await store.consume(user, freshDestination())
    const { db, tables } = current()
    await db
      .update(tables.rateLimitEvents)
      .set({ at: sql`${tables.rateLimitEvents.at} - 61000` })
      .where(eq(tables.rateLimitEvents.key, user))
    expect((await store.consume(user, freshDestination())).ok).toBe(true)
    expect(refusedBy(await store.consume(user, freshDestination()))).toBe('hour')
  })

  test('concurrent sends of one user: exactly the limit passes', async () => {
    const user = userKey(6)
    const decisions = await Promise.all(Array.from({ length: 8 }, () => store.consume(user, freshDestination())))
    expect(decisions.filter((decision) => decision.ok)).toHaveLength(2)
    expect(await events(user)).toBe(2)
  })
})
