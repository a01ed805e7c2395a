import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database as SqliteHandle } from 'bun:sqlite'
import { bodyAs, createTestApp, DEFAULT_PASSWORD, describeEachDialect, errorBody, TEST_SECRET, type Api } from '../helpers/harness'
import { startServer, type RunningServer, loginOverHttp } from '../helpers/spawn'
import { openPostgres } from '../../src/db/postgres'
import { runMigrations } from '../../src/db/migrate'
import { UserService } from '../../src/users/service'
import { allCommunications, SMS_LIMITS_OUT_OF_THE_WAY, useSmsApp } from '../communications/support'
import { closedSmtpUrl, startFakeSmtp, startSilentSmtp } from '../../testkit/fakes/smtp'
import { createPrivatePostgres, postgresBinDir, type PrivatePostgres } from './private-postgres'
import { ACCOUNT_SID, AUTH_TOKEN, formBody, sign, twilioEnv, type Pairs } from '../../testkit/twilio'

/** What a client may see while a dependency is down: a JSON 5xx with a detail, nothing internal. */
async function expectCleanFailure(response: Response, statuses: number[] = [500, 502, 503]) {
  expect(statuses).toContain(response.status)
  expect(response.headers.get('content-type') ?? '').toContain('application/json')
  const text = await response.clone().text()
  await errorBody(new Response(text))
  expect(text).not.toMatch(/ECONNREFUSED|postgres|SQL|stack|\.ts:\d+|at \S+ \(/i)
}

/** Runs a request and fails the test if it takes longer than `boundMs`. */
async function timed(boundMs: number, run: () => Promise<Response>): Promise<Response> {
  const started = performance.now()
  const response = await run()
  const ms = performance.now() - started
  if (ms > boundMs) throw new Error(`answer took ${Math.round(ms)} ms (bound ${boundMs} ms)`)
  return response
}

const bin = postgresBinDir()
const PUBLIC = 'https://crm.faults.example'

describe.skipIf(!bin)('PostgreSQL stopped and started under a running server', () => {
  let pg: PrivatePostgres
  let server: RunningServer
  let token: string
  const email = 'faults@example.com'

  beforeAll(async () => {
    pg = await createPrivatePostgres(bin!)
    const database = openPostgres(pg.url, { max: 1 })
    await runMigrations(database)
    await new UserService(database).create({ email, password: DEFAULT_PASSWORD, role: 'admin' })
    await database.close()
    server = await startServer({
      env: {
        DATABASE_URL: pg.url,
        SECRET_KEY: TEST_SECRET,
        LOG_LEVEL: 'warn',
        // Webhooks only (no sender): SMS sending stays "not configured".
        TWILIO_ACCOUNT_SID: ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        PUBLIC_URL: PUBLIC,
      },
      timeoutMs: 30_000,
    })
    token = await loginOverHttp(server.url, email, DEFAULT_PASSWORD)
  }, 90_000)

  afterAll(async () => {
    await server?.stop('SIGKILL')
    await pg?.destroy()
  })

  /** A signed inbound SMS, as Twilio would deliver (and retry) it. */
  const inbound = (sid: string) => {
    const pairs: Pairs = [
      ['MessageSid', sid],
      ['AccountSid', ACCOUNT_SID],
      ['From', '+14155550177'],
      ['To', '+15005550006'],
      ['Body', 'while the database restarts'],
    ]
    return fetch(`${server.url}/webhooks/twilio/incoming`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': sign(`${PUBLIC}/webhooks/twilio/incoming`, pairs),
      },
      body: formBody(pairs),
    })
  }

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    })

  for (const mode of ['fast', 'immediate'] as const) {
    test(`database down (${mode} stop): clean, bounded failures; back up: the same server recovers`, async () => {
      expect((await api('POST', '/api/v2/customers', { first_name: 'Before', last_name: mode })).status).toBe(201)
      expect((await inbound(`SM${'0'.repeat(31)}${mode === 'fast' ? 1 : 2}`)).status).toBe(200)
      const messageSid = `SM${'f'.repeat(31)}${mode === 'fast' ? 1 : 2}`
      await pg.stop(mode)

      // A good database check is reused for up to a second (src/health/check.ts): the outage shows after it.
      const health = await timed(8_000, async () => {
        for (;;) {
          const response = await fetch(`${server.url}/health`)
          if (response.status !== 200) return response
          await Bun.sleep(100)
        }
      })
      expect(health.status).toBe(503)
      expect(await health.json()).toMatchObject({ database: 'unavailable' })
      // Reads, writes, logins and SMS all fail cleanly, concurrently, within the bound.
      const down = await Promise.all([
        timed(8_000, () => api('GET', '/api/v2/customers')),
        timed(8_000, () => api('POST', '/api/v2/customers', { first_name: 'During', last_name: mode })),
        timed(8_000, () => api('GET', '/api/v2/auth/me')),
        timed(8_000, () => api('POST', '/api/v2/communications/sms/send', { to: '+14155550100', body: 'x' })),
        timed(8_000, () =>
          fetch(`${server.url}/api/v2/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email, password: DEFAULT_PASSWORD }),
          }),
        ),
        // Twilio retries anything but a 2xx: the message is delivered again once the database is back.
        timed(8_000, () => inbound(messageSid)),
      ])
      // Regression: these were 500 "Internal Server Error"; a database outage is a 503 the client may retry.
      for (const response of down) {
        expect(response.headers.get('retry-after')).toBe('1')
        await expectCleanFailure(response, [503])
      }
      expect(server.process.exitCode).toBeNull()

      await pg.start()
      // No restart of the server: its pool reconnects on its own.
      const deadline = Date.now() + 20_000
      let status = 0
      while (Date.now() < deadline) {
        status = (await fetch(`${server.url}/health`)).status
        if (status === 200) break
        await Bun.sleep(100)
      }
      expect(status).toBe(200)
      // The session lookup has a pool of its own (database.hot): it reconnects too.
      expect((await api('GET', '/api/v2/auth/me')).status).toBe(200)
      // The inbound messages have a pool of their own (database.inbound): Twilio's retry is stored now.
      expect((await inbound(messageSid)).status).toBe(200)
      const created = await api('POST', '/api/v2/customers', { first_name: 'After', last_name: mode })
      expect(created.status).toBe(201)
      const list = await bodyAs<Api['customers']['get']>(await api('GET', `/api/v2/customers?search=${mode}`))
      // Written before and after; the write attempted while down never half-happened.
      expect(list.items.map((c) => c.first_name).sort()).toEqual(['After', 'Before'])
    }, 90_000)
  }
})

describe('SQLite write lock held by another process [sqlite]', () => {
  test('a write that cannot get the lock within busy_timeout answers 503, then succeeds once the lock is gone', async () => {
    const testApp = await createTestApp('sqlite', { env: { LOG_LEVEL: 'silent' } })
    if (testApp.database.kind !== 'sqlite') throw new Error('a SQLite test app')
    const path = testApp.database.handle.filename
    const other = new SqliteHandle(path)
    try {
      const user = await testApp.createUser('user')
      other.exec('BEGIN IMMEDIATE')
      const response = await timed(8_000, () =>
        testApp.request('POST', '/api/v2/customers', { token: user.token, json: { first_name: 'Locked', last_name: 'Out' } }),
      )
      await expectCleanFailure(response, [503])
      expect((await errorBody(response.clone())).detail).toBe('Database unavailable')
      other.exec('ROLLBACK')
      expect(
        (await testApp.request('POST', '/api/v2/customers', { token: user.token, json: { first_name: 'Locked', last_name: 'Out' } }))
          .status,
      ).toBe(201)
    } finally {
      other.close()
      await testApp.close()
    }
  }, 20_000)
})

describeEachDialect('Twilio hanging or failing', (dialect) => {
  const sms = useSmsApp(
    dialect,
    {
      TWILIO_TIMEOUT_MS: '300',
      LOG_LEVEL: 'silent',
      ...SMS_LIMITS_OUT_OF_THE_WAY,
    },
    { roles: ['user'] },
  )
  const { testApp } = sms
  const { user } = testApp.users

  const send = (to: string) =>
    testApp.request('POST', '/api/v2/communications/sms/send', { token: user.token, json: { to, body: 'fault test' } })

  test('a hanging Twilio: 20 concurrent sends all answer 502 within the timeout, each with a failed record', async () => {
    sms.twilio.reset()
    sms.twilio.respondAlways({ kind: 'hang' })
    const before = (await allCommunications(testApp.database)).length
    const started = performance.now()
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => send(`+1415555${String(2000 + i)}`)))
    const elapsed = performance.now() - started
    expect(elapsed).toBeLessThan(3_000)
    for (const response of responses) {
      expect(response.status).toBe(502)
      expect((await errorBody(response)).detail).toBe('SMS provider error: Twilio did not respond in time')
    }
    const rows = (await allCommunications(testApp.database)).slice(before)
    expect(rows).toHaveLength(20)
    expect(rows.every((r) => r.status === 'failed')).toBe(true)
    // The server is not stuck: an ordinary request answers at once.
    expect((await timed(500, () => testApp.request('GET', '/api/v2/auth/me', { token: user.token }))).status).toBe(200)
  }, 30_000)

  test('while 20 sends wait on a hanging Twilio, reads and writes answer promptly (no connection held across the call)', async () => {
    // A long provider timeout, so a pool starved by waiting sends would show as slow reads.
    const slow = await createTestApp(dialect, {
      env: {
        ...twilioEnv(sms.twilio, { TWILIO_TIMEOUT_MS: '3000', LOG_LEVEL: 'silent' }),
        RATE_LIMIT_SMS_PER_MINUTE: '1000',
        RATE_LIMIT_SMS_PER_HOUR: '1000',
      },
    })
    try {
      const user = await slow.createUser('user')
      sms.twilio.reset()
      sms.twilio.respondAlways({ kind: 'hang' })
      const sends = Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          slow.request('POST', '/api/v2/communications/sms/send', { token: user.token, json: { to: `+1415555${2100 + i}`, body: 'hang' } }),
        ),
      )
      while (sms.twilio.requests.length < 20) await Bun.sleep(10)
      const others = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          timed(1_000, () =>
            i % 2
              ? slow.request('GET', '/api/v2/customers', { token: user.token })
              : slow.request('POST', '/api/v2/customers', { token: user.token, json: { first_name: 'During', last_name: `Hang${i}` } }),
          ),
        ),
      )
      expect(others.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201, 201, 201, 201, 201])
      expect((await sends).every((r) => r.status === 502)).toBe(true)
    } finally {
      sms.twilio.reset()
      await slow.close()
    }
  }, 30_000)

  test('Twilio answering 5xx, a Twilio error, or nothing listening: 502 with a failed record', async () => {
    sms.twilio.reset()
    sms.twilio.respondWith({ kind: 'server-error', httpStatus: 503 })
    sms.twilio.respondWith({ kind: 'error', httpStatus: 400, code: 21211, message: "The 'To' number is not a valid phone number." })
    for (let i = 0; i < 2; i++) {
      const response = await timed(2_000, () => send(`+1415555${3000 + i}`))
      await expectCleanFailure(response, [502])
    }
    // A closed port: connection refused straight away.
    const closed = await createTestApp(dialect, {
      env: twilioEnv(sms.twilio, { TWILIO_API_BASE_URL: 'http://127.0.0.1:1', LOG_LEVEL: 'silent' }),
    })
    try {
      const user = await closed.createUser('user')
      const response = await timed(2_000, () =>
        closed.request('POST', '/api/v2/communications/sms/send', { token: user.token, json: { to: '+14155553100', body: 'x' } }),
      )
      await expectCleanFailure(response, [502])
      const rows = await allCommunications(closed.database)
      expect(rows.map((r) => r.status)).toEqual(['failed'])
    } finally {
      await closed.close()
    }
    // And after the faults, sending works again.
    expect((await send('+14155553200')).status).toBe(201)
  }, 30_000)
})

describe('SMTP down [sqlite]', () => {
  test('nothing listening: 502 at once with a failed record; a server that never greets: bounded, others unaffected', async () => {
    const refused = await createTestApp('sqlite', {
      env: { SMTP_URL: await closedSmtpUrl(), EMAIL_FROM: 'crm@example.com', LOG_LEVEL: 'silent' },
    })
    const silent = await startSilentSmtp()
    const hung = await createTestApp('sqlite', { env: { SMTP_URL: silent.url, EMAIL_FROM: 'crm@example.com', LOG_LEVEL: 'silent' } })
    try {
      const user = await refused.createUser('user')
      const response = await timed(3_000, () =>
        refused.request('POST', '/api/v2/communications/email/send', {
          token: user.token,
          json: { to: 'a@example.com', subject: 's', body: 'b' },
        }),
      )
      await expectCleanFailure(response, [502])
      expect(((await allCommunications(refused.database)) as { status: string }[]).map((r) => r.status)).toEqual(['failed'])

      const other = await hung.createUser('user')
      const started = performance.now()
      const pending = Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          hung.request('POST', '/api/v2/communications/email/send', {
            token: other.token,
            json: { to: `p${i}@example.com`, subject: 's', body: 'b' },
          }),
        ),
      )
      // While five sends wait on the mute server, the API keeps answering.
      expect((await timed(500, () => hung.request('GET', '/api/v2/customers', { token: other.token }))).status).toBe(200)
      const responses = await pending
      expect(performance.now() - started).toBeLessThan(13_000)
      for (const r of responses) await expectCleanFailure(r, [502])
      const rows = await allCommunications(hung.database)
      expect(rows).toHaveLength(5)
      expect(rows.every((r) => r.status === 'failed')).toBe(true)

      // A working SMTP server afterwards: delivered.
      const smtp = await startFakeSmtp()
      const healthy = await createTestApp('sqlite', { env: { SMTP_URL: smtp.url, EMAIL_FROM: 'crm@example.com', LOG_LEVEL: 'silent' } })
      try {
        const u = await healthy.createUser('user')
        expect(
          (
            await healthy.request('POST', '/api/v2/communications/email/send', {
              token: u.token,
              json: { to: 'ok@example.com', subject: 's', body: 'b' },
            })
          ).status,
        ).toBe(201)
        expect(smtp.messages).toHaveLength(1)
      } finally {
        await healthy.close()
        await smtp.close()
      }
    } finally {
      await refused.close()
      await hung.close()
      await silent.close()
    }
  }, 30_000)
})
