import { afterAll, beforeAll, expect, test } from 'bun:test'
import { describeEachDialect, errorBody, expectBody } from '../helpers/harness'
import { businessChecksum, fuzzWorld, type FuzzWorld } from '../../testkit/fuzz'
import { ACCOUNT_SID, AUTH_TOKEN, sign } from '../../testkit/twilio'

const NUL = 'a\u0000b'
const LONE = 'a\uD800b'

/**
 * Regression: PostgreSQL text cannot hold NUL and jsonb refuses a lone
 * surrogate, so on PostgreSQL an SMS, e-mail, login, customer tag or inbound
 * webhook carrying one answered 500 (SQLite stored it). API input is now 422
 * on both databases, before anything is stored, counted or sent; a signed
 * Twilio webhook is stored without the NULs (a 4xx would only be retried).
 */
describeEachDialect('text the database cannot store', (dialect) => {
  let world: FuzzWorld
  let customerId: number
  let userId: number

  beforeAll(async () => {
    world = await fuzzWorld(dialect)
    const created = await world.testApp.client(world.tokens.admin).api.v2.customers.post({
      first_name: 'Text',
      last_name: 'Input',
      phone: '+14155557777',
    })
    customerId = expectBody(created, 201).id
    userId = (await world.testApp.createUser('user')).id
  }, 60_000)
  afterAll(async () => {
    await world.close()
  })

  const requests = (bad: string): [string, string, unknown][] => [
    ['POST', '/api/v2/customers', { first_name: 'A', last_name: 'B', tags: [bad] }],
    ['POST', '/api/v2/customers', { first_name: 'A', last_name: 'B', notes: bad }],
    ['PATCH', `/api/v2/customers/${customerId}`, { company: bad }],
    ['POST', '/api/v2/communications/sms/send', { to: '+14155557777', body: bad }],
    ['POST', '/api/v2/communications/email/send', { to: 'x@example.com', subject: 's', body: bad }],
    ['POST', '/api/v2/communications/email/send', { to: 'x@example.com', subject: bad, body: 'b' }],
    ['POST', '/api/v2/auth/login', { email: `${bad}@example.com`, password: 'whatever password' }],
    ['POST', '/api/v2/auth/login', { email: 'x@example.com', password: `${bad} long password` }],
    ['POST', '/api/v2/admin/users', { email: 'new@example.com', password: 'long enough password', full_name: bad, role: 'user' }],
    ['PATCH', `/api/v2/admin/users/${userId}`, { full_name: bad }],
    ['POST', '/api/v2/auth/change-password', { current_password: bad, new_password: 'another long password' }],
    // A lone surrogate cannot be percent-encoded in a URL: only bodies carry it.
    ...(bad === NUL
      ? ([
          ['GET', `/api/v2/admin/audit?action=${encodeURIComponent(bad)}`, undefined],
          ['GET', `/api/v2/customers?search=${encodeURIComponent(bad)}`, undefined],
        ] as [string, string, unknown][])
      : []),
  ]

  for (const [name, bad] of [
    ['NUL', NUL],
    ['a lone surrogate', LONE],
  ] as const) {
    test(`${name} in any API field: 422 naming a field, nothing stored or sent`, async () => {
      const problems: string[] = []
      const sentBefore = world.twilio.requests.length + world.smtp.messages.length
      for (const [method, path, json] of requests(bad)) {
        const before = await businessChecksum(world.testApp)
        const response = await world.testApp.request(method, path, { token: world.tokens.superuser, json })
        const text = await response.text()
        const body = await errorBody(new Response(text)).catch(() => undefined)
        const after = await businessChecksum(world.testApp)
        if (response.status !== 422 || body?.detail !== 'Request validation failed' || !body.errors?.[0]?.field)
          problems.push(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`)
        if (before !== after) problems.push(`${method} ${path}: data changed`)
      }
      expect(problems).toEqual([])
      expect(world.twilio.requests.length + world.smtp.messages.length).toBe(sentBefore)
    })
  }

  test('a signed inbound webhook with NULs: 200, stored without them', async () => {
    const SID = `SM${'0a'.repeat(16)}`
    const pairs: [string, string][] = [
      ['MessageSid', SID],
      ['AccountSid', ACCOUNT_SID],
      ['From', '+14155557777'],
      ['To', '+15005550006'],
      ['Body', 'hello\u0000there'],
      ['NumMedia', '1'],
      ['MediaUrl0', 'https://example.com/\u0000a.jpg'],
    ]
    const url = 'http://localhost/webhooks/twilio/incoming'
    const response = await world.testApp.request('POST', '/webhooks/twilio/incoming', {
      body: new URLSearchParams(pairs).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(url, pairs, AUTH_TOKEN) },
    })
    expect(response.status).toBe(200)
    const history = await world.testApp.client(world.tokens.superuser).api.v2.customers({ id: customerId }).communications.get()
    const { items } = expectBody(history, 200)
    expect(items.map((i) => [i.content, i.external_id])).toContainEqual(['hellothere', SID])
  })
})
