import { expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { createTestApp, describeEachDialect, errorBody, type Dialect, type TestApp, type TestUser } from '../helpers/harness'
import { OptOutService } from '../../src/optouts/service'
import { smsApp, useSmsApp } from '../communications/support'
import type { Database } from '../../src/db/client'
import { twilioEnv } from '../../testkit/twilio'

/** Generous: each PostgreSQL test app is a fresh database, and CI machines are shared. */
const SLOW = 30_000

const SEND = '/api/v2/communications/sms/send'

function limits(minute: number, hour: number, destination: number): Record<string, string> {
  return {
    RATE_LIMIT_SMS_PER_MINUTE: String(minute),
    RATE_LIMIT_SMS_PER_HOUR: String(hour),
    RATE_LIMIT_SMS_PER_DESTINATION_HOUR: String(destination),
  }
}

/** Moves every recorded limiter event back in time, as if `ms` had passed. */
async function age(database: Database, ms: number) {
  const { rateLimitEvents } = database.tables
  await database.db.update(rateLimitEvents).set({ at: sql`${rateLimitEvents.at} - ${ms}` })
}

async function eventCount(database: Database) {
  return (await database.db.select().from(database.tables.rateLimitEvents)).length
}

let numberSeq = 0
/** A new destination each call, so only the limit under test can bite. */
const freshNumber = () => `+1415555${String(1000 + (numberSeq++ % 9000)).padStart(4, '0')}`

function sendAs(testApp: Pick<TestApp, 'request'>, user: TestUser, to: string, body = 'hello') {
  return testApp.request('POST', SEND, { token: user.token, json: { to, body } })
}

function retryAfterOf(response: Response): number {
  const header = response.headers.get('retry-after')
  expect(header).toMatch(/^[1-9]\d*$/)
  return Number(header)
}

describeEachDialect('SMS rate limits', (dialect: Dialect) => {
  test(
    'per-minute: the (limit+1)th send is 429 with the exact message and Retry-After',
    async () => {
      const sms = await smsApp(dialect, limits(3, 100, 100))
      const user = await sms.testApp.createUser('user')
      for (let i = 0; i < 3; i++) expect((await sendAs(sms.testApp, user, freshNumber())).status).toBe(201)
      const response = await sendAs(sms.testApp, user, freshNumber())
      expect(response.status).toBe(429)
      const seconds = retryAfterOf(response)
      expect(seconds).toBeGreaterThanOrEqual(58)
      expect(seconds).toBeLessThanOrEqual(60)
      expect(await response.json()).toEqual({ detail: `Rate limit exceeded: Per-minute limit (3/min). Retry after ${seconds} seconds.` })
      expect(sms.twilio.requests).toHaveLength(3)

      // Retry-After is when the oldest send leaves the window.
      await age(sms.testApp.database, 50_000)
      const later = await sendAs(sms.testApp, user, freshNumber())
      expect(later.status).toBe(429)
      const remaining = retryAfterOf(later)
      expect(remaining).toBeGreaterThanOrEqual(9)
      expect(remaining).toBeLessThanOrEqual(11)
      expect((await errorBody(later)).detail).toBe(`Rate limit exceeded: Per-minute limit (3/min). Retry after ${remaining} seconds.`)

      await age(sms.testApp.database, 11_000)
      expect((await sendAs(sms.testApp, user, freshNumber())).status).toBe(201)
      await sms.close()
    },
    SLOW,
  )

  test(
    'per-hour: exact message and Retry-After; rejected requests are not counted',
    async () => {
      const sms = await smsApp(dialect, limits(2, 5, 100))
      const user = await sms.testApp.createUser('user')
      expect((await sendAs(sms.testApp, user, freshNumber())).status).toBe(201)
      expect((await sendAs(sms.testApp, user, freshNumber())).status).toBe(201)
      // Five rejections by the minute limit: none of them may count toward the hour.
      for (let i = 0; i < 5; i++) expect((await sendAs(sms.testApp, user, freshNumber())).status).toBe(429)
      expect(await eventCount(sms.testApp.database)).toBe(4)

      await age(sms.testApp.database, 61_000)
      expect((await sendAs(sms.testApp, user, freshNumber())).status).toBe(201)
      expect((await sendAs(sms.testApp, user, freshNumber())).status).toBe(201)
      await age(sms.testApp.database, 61_000)
      expect((await sendAs(sms.testApp, user, freshNumber())).status).toBe(201)

      const response = await sendAs(sms.testApp, user, freshNumber())
      expect(response.status).toBe(429)
      const seconds = retryAfterOf(response)
      // The oldest of the five is 122 s old: it leaves the hour in about 3478 s.
      expect(seconds).toBeGreaterThanOrEqual(3476)
      expect(seconds).toBeLessThanOrEqual(3480)
      expect(await response.json()).toEqual({ detail: `Rate limit exceeded: Per-hour limit (5/hour). Retry after ${seconds} seconds.` })
      expect(sms.twilio.requests).toHaveLength(5)
      await sms.close()
    },
    SLOW,
  )

  test(
    'per-destination: shared by every user, other numbers unaffected',
    async () => {
      const sms = await smsApp(dialect, limits(100, 100, 2))
      const alice = await sms.testApp.createUser('user')
      const bob = await sms.testApp.createUser('admin')
      const target = '+14155559000'
      expect((await sendAs(sms.testApp, alice, target)).status).toBe(201)
      expect((await sendAs(sms.testApp, bob, '(415) 555-9000')).status).toBe(201)
      const response = await sendAs(sms.testApp, alice, target)
      expect(response.status).toBe(429)
      const seconds = retryAfterOf(response)
      expect(seconds).toBeGreaterThan(3590)
      expect(seconds).toBeLessThanOrEqual(3600)
      expect(await response.json()).toEqual({
        detail: `Rate limit exceeded: Per-destination limit (2/hour to same number). Retry after ${seconds} seconds.`,
      })
      expect((await sendAs(sms.testApp, bob, target)).status).toBe(429)
      expect((await sendAs(sms.testApp, alice, '+14155559001')).status).toBe(201)
      expect(sms.twilio.requests.filter((r) => r.to === target)).toHaveLength(2)
      await sms.close()
    },
    SLOW,
  )

  test(
    'accepted sends carry RateLimit-Policy and RateLimit; 429s carry them too',
    async () => {
      const sms = await smsApp(dialect, limits(3, 100, 5))
      const user = await sms.testApp.createUser('user')
      const first = await sendAs(sms.testApp, user, '+14155559100')
      expect(first.status).toBe(201)
      expect(first.headers.get('ratelimit-policy')).toBe('"minute";q=3;w=60, "hour";q=100;w=3600, "destination";q=5;w=3600')
      expect(first.headers.get('ratelimit')).toBe('"minute";r=2;t=60, "hour";r=99;t=3600, "destination";r=4;t=3600')
      await sendAs(sms.testApp, user, '+14155559100')
      const third = await sendAs(sms.testApp, user, '+14155559101')
      expect(third.headers.get('ratelimit')).toMatch(/^"minute";r=0;t=(59|60), "hour";r=97;t=(3599|3600), "destination";r=4;t=3600$/)
      const limited = await sendAs(sms.testApp, user, '+14155559102')
      expect(limited.status).toBe(429)
      expect(limited.headers.get('ratelimit-policy')).toBe('"minute";q=3;w=60, "hour";q=100;w=3600, "destination";q=5;w=3600')
      expect(limited.headers.get('ratelimit')).toBe(`"minute";r=0;t=${limited.headers.get('retry-after')}`)
      await sms.close()
    },
    SLOW,
  )

  test(
    'opt-out 409s, validation 422s and 404s use no capacity',
    async () => {
      const sms = await smsApp(dialect, limits(1, 100, 100))
      const user = await sms.testApp.createUser('user')
      await new OptOutService(sms.testApp.database).set('+14155559200', true)
      for (let i = 0; i < 3; i++) {
        expect((await sendAs(sms.testApp, user, '+14155559200')).status).toBe(409)
        expect((await sendAs(sms.testApp, user, 'garbage')).status).toBe(422)
        expect((await sendAs(sms.testApp, user, '+14155559201', '   ')).status).toBe(422)
        expect((await sms.testApp.request('POST', SEND, { token: user.token, json: { customer_id: 424242, body: 'x' } })).status).toBe(404)
      }
      expect(await eventCount(sms.testApp.database)).toBe(0)
      expect((await sendAs(sms.testApp, user, '+14155559202')).status).toBe(201)
      await sms.close()
    },
    SLOW,
  )

  test(
    'a send Twilio fails still counts: capacity is taken before Twilio is called',
    async () => {
      const sms = await smsApp(dialect, limits(1, 100, 100))
      const user = await sms.testApp.createUser('user')
      sms.twilio.respondWith({ kind: 'error', httpStatus: 400, code: 21211, message: 'Invalid To' })
      expect((await sendAs(sms.testApp, user, '+14155559300')).status).toBe(502)
      expect((await sendAs(sms.testApp, user, '+14155559301')).status).toBe(429)
      await sms.close()
    },
    SLOW,
  )

  test(
    'a hit is audited (masked destination) and counted in metrics',
    async () => {
      const sms = await smsApp(dialect, limits(1, 100, 100))
      const user = await sms.testApp.createUser('user')
      await sendAs(sms.testApp, user, '+14155559400')
      expect((await sendAs(sms.testApp, user, '+14155559401')).status).toBe(429)
      const { auditLog } = sms.testApp.database.tables
      const [entry] = await sms.testApp.database.db.select().from(auditLog).where(eq(auditLog.action, 'ratelimit.exceeded'))
      expect(entry).toMatchObject({ userId: user.id, actorEmail: user.email, target: '***9401' })
      expect(entry!.details).toMatchObject({ limit: 'minute' })
      expect(JSON.stringify(entry)).not.toContain('4155559401')
      expect(await sms.testApp.ctx.metrics.render()).toMatch(/crm_rate_limited_total\{limit="minute"\} 1/)
      await sms.close()
    },
    SLOW,
  )

  test(
    '40 concurrent sends at a limit of 10: exactly 10 accepted, exactly 10 reach Twilio',
    async () => {
      const sms = await smsApp(dialect, limits(10, 100, 100))
      const user = await sms.testApp.createUser('user')
      const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => sendAs(sms.testApp, user, `+1415555${7000 + i}`)))
      const statuses = responses.map((r) => r.status)
      expect(statuses.filter((s) => s === 201)).toHaveLength(10)
      expect(statuses.filter((s) => s === 429)).toHaveLength(30)
      expect(sms.twilio.requests).toHaveLength(10)
      await sms.close()
    },
    SLOW,
  )

  test(
    'concurrent sends by several users to one number: exactly the destination limit',
    async () => {
      const sms = await smsApp(dialect, limits(100, 100, 5))
      const users = await Promise.all([sms.testApp.createUser('user'), sms.testApp.createUser('user'), sms.testApp.createUser('admin')])
      const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => sendAs(sms.testApp, users[i % 3]!, '+14155558000')))
      expect(responses.filter((r) => r.status === 201)).toHaveLength(5)
      expect(sms.twilio.requests).toHaveLength(5)
      await sms.close()
    },
    SLOW,
  )

  test(
    'limits survive a restart: a new app on the same database sees the earlier sends',
    async () => {
      const sms = await smsApp(dialect, limits(2, 100, 100))
      const user = await sms.testApp.createUser('user')
      expect((await sendAs(sms.testApp, user, freshNumber())).status).toBe(201)
      expect((await sendAs(sms.testApp, user, freshNumber())).status).toBe(201)
      const restarted = await createTestApp(dialect, {
        database: sms.testApp.database,
        env: { ...twilioEnv(sms.twilio), ...limits(2, 100, 100) },
      })
      const response = await restarted.request('POST', SEND, { token: user.token, json: { to: freshNumber(), body: 'after restart' } })
      expect(response.status).toBe(429)
      expect((await errorBody(response)).detail).toMatch(/^Rate limit exceeded: Per-minute limit \(2\/min\)\. Retry after \d+ seconds\.$/)
      await restarted.close()
      await sms.close()
    },
    SLOW,
  )

  test(
    'old events are pruned',
    async () => {
      const sms = await smsApp(dialect, limits(100, 100, 100))
      const user = await sms.testApp.createUser('user')
      const { rateLimitEvents } = sms.testApp.database.tables
      await sms.testApp.database.db.insert(rateLimitEvents).values([
        { key: 'user:999', at: Date.now() - 7_200_000 },
        { key: 'dest:+14155550000', at: Date.now() - 3_700_000 },
      ])
      expect((await sendAs(sms.testApp, user, freshNumber())).status).toBe(201)
      const keys = (await sms.testApp.database.db.select().from(rateLimitEvents)).map((r) => r.key).sort()
      expect(keys).toEqual([`user:${user.id}`, expect.stringMatching(/^dest:\+1415555\d{4}$/)].sort())
      await sms.close()
    },
    SLOW,
  )
})

describeEachDialect('SMS rate limits with defaults', (dialect) => {
  const { testApp } = useSmsApp(dialect, {}, { roles: ['user'], timeout: SLOW })
  const { user } = testApp.users

  test(
    'the default numbers appear in the policy and the messages',
    async () => {
      const response = await sendAs(testApp, user, '+14155557777')
      expect(response.headers.get('ratelimit-policy')).toBe('"minute";q=10;w=60, "hour";q=100;w=3600, "destination";q=5;w=3600')
      for (let i = 0; i < 4; i++) expect((await sendAs(testApp, user, '+14155557777')).status).toBe(201)
      const limited = await sendAs(testApp, user, '+14155557777')
      expect((await errorBody(limited)).detail).toMatch(
        /^Rate limit exceeded: Per-destination limit \(5\/hour to same number\)\. Retry after \d+ seconds\.$/,
      )
      for (let i = 0; i < 5; i++) expect((await sendAs(testApp, user, freshNumber())).status).toBe(201)
      const minute = await sendAs(testApp, user, freshNumber())
      expect((await errorBody(minute)).detail).toMatch(/^Rate limit exceeded: Per-minute limit \(10\/min\)\. Retry after \d+ seconds\.$/)
    },
    SLOW,
  )
})
