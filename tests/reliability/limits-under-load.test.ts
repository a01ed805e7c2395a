import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { DEFAULT_PASSWORD, DIALECTS } from '../helpers/harness'
import { startReplicas, type Replicas } from '../helpers/replicas'
import { useSmsApp } from '../communications/support'
import type { FakeTwilio } from '../../testkit/fakes/twilio'
import { ACCOUNT_SID, AUTH_TOKEN, fakeTwilio, twilioEnv, sign } from '../../testkit/twilio'

/**
 * The SMS limits under mixed traffic: while customers are written and read, history is
 * listed, people log in and Twilio webhooks arrive, concurrent SMS bursts are
 * admitted exactly up to each limit, and exactly that many reach Twilio.
 */

const PER_MINUTE = 10
const PER_DESTINATION = 5
const SHARED_NUMBER = '+14155558888'

/** One way of reaching the server(s): in-process, or several real processes. */
interface Target {
  /** `via` picks the process when there are several. */
  request(via: number, method: string, path: string, init: { token?: string; json?: unknown; form?: [string, string][] }): Promise<Response>
  tokens: string[]
  emails: string[]
}

async function mixedBurst(target: Target, twilio: FakeTwilio, tag: string) {
  twilio.reset()
  const [a, b, c, d] = target.tokens as [string, string, string, string]
  const jobs: Promise<{ kind: string; status: number }>[] = []
  const go = (kind: string, p: Promise<Response>) =>
    jobs.push(
      p.then(async (r) => {
        await r.arrayBuffer()
        return { kind, status: r.status }
      }),
    )
  let via = 0
  // User A: 30 sends to distinct numbers -> the per-minute limit decides.
  for (let i = 0; i < 30; i++)
    go(
      'a',
      target.request(via++, 'POST', '/api/v2/communications/sms/send', {
        token: a,
        json: { to: `+1415559${String(i).padStart(4, '0')}`, body: `${tag} a${i}` },
      }),
    )
  // Users B, C, D: 4 sends each to one shared number -> the per-destination limit decides.
  for (const [u, token] of [b, c, d].entries())
    for (let i = 0; i < 4; i++)
      go(
        'shared',
        target.request(via++, 'POST', '/api/v2/communications/sms/send', { token, json: { to: SHARED_NUMBER, body: `${tag} s${u}-${i}` } }),
      )
  // Everything else an office does at the same time.
  for (let i = 0; i < 20; i++) {
    go(
      'noise',
      target.request(via++, 'POST', '/api/v2/customers', {
        token: b,
        json: { first_name: `Load${i}`, last_name: tag, phone: `+1415552${String(i).padStart(4, '0')}` },
      }),
    )
    go('noise', target.request(via++, 'GET', '/api/v2/customers?search=Load', { token: c }))
    go('noise', target.request(via++, 'GET', '/api/v2/communications/history?type=sms', { token: d }))
    go(
      'webhook',
      target.request(via++, 'POST', '/webhooks/twilio/incoming', {
        form: [
          ['MessageSid', `SM${createHash('md5').update(`${tag}${i}`).digest('hex')}`],
          ['AccountSid', ACCOUNT_SID],
          ['From', `+1415553${String(i).padStart(4, '0')}`],
          ['To', '+15005550006'],
          ['Body', i % 3 ? 'hello' : 'STOP'],
        ],
      }),
    )
  }
  for (let i = 0; i < 3; i++)
    go('noise', target.request(via++, 'POST', '/api/v2/auth/login', { json: { email: target.emails[0], password: DEFAULT_PASSWORD } }))
  const results = await Promise.all(jobs)

  const statuses = (kind: string) => results.filter((r) => r.kind === kind).map((r) => r.status)
  expect(statuses('a').filter((s) => s === 201)).toHaveLength(PER_MINUTE)
  expect(statuses('a').filter((s) => s === 429)).toHaveLength(30 - PER_MINUTE)
  expect(statuses('shared').filter((s) => s === 201)).toHaveLength(PER_DESTINATION)
  expect(statuses('shared').filter((s) => s === 429)).toHaveLength(12 - PER_DESTINATION)
  expect(statuses('noise').every((s) => s >= 200 && s < 300)).toBe(true)
  expect(statuses('webhook').every((s) => s === 200)).toBe(true)
  // Exactly the admitted sends reached Twilio, no more.
  const received = twilio.accepted()
  expect(received.filter((r) => r.body!.startsWith(`${tag} a`))).toHaveLength(PER_MINUTE)
  expect(received.filter((r) => r.to === SHARED_NUMBER)).toHaveLength(PER_DESTINATION)
  expect(twilio.requests).toHaveLength(PER_MINUTE + PER_DESTINATION)
}

const limitEnv = {
  RATE_LIMIT_SMS_PER_MINUTE: String(PER_MINUTE),
  RATE_LIMIT_SMS_PER_HOUR: '100',
  RATE_LIMIT_SMS_PER_DESTINATION_HOUR: String(PER_DESTINATION),
  LOGIN_MAX_FAILURES_PER_IP: '1000',
}

for (const dialect of DIALECTS) {
  describe(`SMS limits under mixed load, one process [${dialect}]`, () => {
    const sms = useSmsApp(dialect, { ...limitEnv, LOG_LEVEL: 'silent' })
    const { testApp } = sms
    let target: Target

    beforeAll(async () => {
      const users = [
        await testApp.createUser('user'),
        await testApp.createUser('user'),
        await testApp.createUser('user'),
        await testApp.createUser('user'),
      ]
      target = {
        tokens: users.map((u) => u.token),
        emails: users.map((u) => u.email),
        request(_via, method, path, init) {
          if (init.form) {
            const url = `http://localhost${path}`
            return testApp.request(method, path, {
              body: new URLSearchParams(init.form).toString(),
              headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(url, init.form, AUTH_TOKEN) },
            })
          }
          return testApp.request(method, path, { token: init.token, json: init.json })
        },
      }
    })

    test('exactly N admitted and exactly N at Twilio, per user and per destination', async () => {
      await mixedBurst(target, sms.twilio, 'one')
    }, 60_000)
  })
}

for (const dialect of DIALECTS) {
  describe(`SMS limits under mixed load, two server processes on one database [${dialect}]`, () => {
    let twilio: FakeTwilio
    let replicas: Replicas
    let target: Target

    beforeAll(async () => {
      twilio = fakeTwilio()
      const emails = [0, 1, 2, 3].map((i) => `load-${i}@example.com`)
      replicas = await startReplicas(dialect, { emails, env: { ...twilioEnv(twilio), ...limitEnv } })
      const { servers, tokens } = replicas
      target = {
        tokens,
        emails,
        request(via, method, path, init) {
          const server = servers[via % servers.length]!
          if (init.form) {
            const body = new URLSearchParams(init.form).toString()
            const signature = sign(`${server.url}${path}`, init.form, AUTH_TOKEN)
            return fetch(`${server.url}${path}`, {
              method,
              body,
              headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
            })
          }
          const headers: Record<string, string> = { 'content-type': 'application/json' }
          if (init.token) headers.authorization = `Bearer ${init.token}`
          return fetch(`${server.url}${path}`, { method, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) })
        },
      }
    }, 90_000)

    afterAll(async () => {
      await replicas.close()
      await twilio.close()
    })

    test('exactly N admitted across both processes and exactly N at Twilio', async () => {
      await mixedBurst(target, twilio, 'two')
    }, 60_000)
  })
}
