import { beforeAll, expect, test } from 'bun:test'
import { describeEachDialect, errorBody, expectBody, type AppClient, type TestUser } from '../helpers/harness'
import { insertCustomer, useSmsApp } from './support'

/** Generous: each PostgreSQL test app is a fresh database, and CI machines are shared. */
const SLOW = 30_000

const HISTORY = '/api/v2/communications/history'

describeEachDialect('communication history', (dialect) => {
  const sms = useSmsApp(dialect, { RATE_LIMIT_SMS_PER_DESTINATION_HOUR: '100' }, { roles: ['user'], timeout: SLOW })
  const { testApp } = sms
  const { user: alice } = testApp.users
  let bob: TestUser
  let admin: TestUser
  let customerId: number

  beforeAll(async () => {
    bob = await testApp.createUser('user')
    admin = await testApp.createUser('admin')
    customerId = await insertCustomer(testApp.database, { phone: '+14155550160', email: 'cust@example.com' })
    const send = (user: TestUser, payload: unknown) =>
      testApp.request('POST', '/api/v2/communications/sms/send', { token: user.token, json: payload })
    expect((await send(alice, { to: '+14155550161', body: 'alice 1' })).status).toBe(201)
    expect((await send(alice, { customer_id: customerId, body: 'alice to customer' })).status).toBe(201)
    expect((await send(bob, { to: '+14155550162', body: 'bob 1' })).status).toBe(201)
    // Inbound messages as the webhook stores them: no user, linked by phone.
    const now = Date.now()
    const { communications } = testApp.database.tables
    await testApp.database.db.insert(communications).values([
      {
        type: 'sms',
        direction: 'inbound',
        status: 'received',
        toAddress: '+15005550006',
        fromAddress: '+14155550160',
        content: 'reply',
        customerId,
        externalId: 'SMinbound1',
        createdAt: new Date(now + 1000),
        updatedAt: new Date(now + 1000),
      },
      {
        type: 'email',
        direction: 'outbound',
        status: 'sent',
        toAddress: 'x@example.com',
        fromAddress: 'o@example.com',
        subject: 'hi',
        content: 'admin mail',
        userId: admin.id,
        createdAt: new Date(now + 2000),
        updatedAt: new Date(now + 2000),
      },
    ])
  }, SLOW)

  type HistoryQuery = NonNullable<Parameters<AppClient['api']['v2']['communications']['history']['get']>[0]>['query']
  const history = async (user: TestUser, query: HistoryQuery = {}) =>
    expectBody(await testApp.client(user).api.v2.communications.history.get({ query }), 200)

  test(
    'a user sees what they sent plus inbound messages, newest first',
    async () => {
      const page = await history(alice)
      expect(page.total).toBe(3)
      expect(page.items.map((i) => [i.direction, i.user_id])).toEqual([
        ['inbound', null],
        ['outbound', alice.id],
        ['outbound', alice.id],
      ])
      const times = page.items.map((i) => Date.parse(i.created_at))
      expect([...times].sort((a, b) => b - a)).toEqual(times)
      expect(page).toMatchObject({ page: 1, page_size: 50 })
      const bobs = await history(bob)
      expect(bobs.items.every((i) => i.user_id === bob.id || i.direction === 'inbound')).toBe(true)
      expect(bobs.total).toBe(2)
    },
    SLOW,
  )

  test(
    'view_all_communications sees everything',
    async () => {
      const page = await history(admin)
      expect(page.total).toBe(5)
      expect(new Set(page.items.map((i) => i.user_id))).toEqual(new Set([alice.id, bob.id, admin.id, null]))
    },
    SLOW,
  )

  test(
    'filters: customer_id, type, direction',
    async () => {
      const forCustomer = await history(admin, { customer_id: customerId })
      expect(forCustomer.total).toBe(2)
      expect(forCustomer.items.every((i) => i.customer_id === customerId)).toBe(true)
      const emails = await history(admin, { type: 'email' })
      expect(emails.items.map((i) => i.type)).toEqual(['email'])
      const inbound = await history(alice, { direction: 'inbound' })
      expect(inbound.items.map((i) => i.direction)).toEqual(['inbound'])
      const aliceOutboundSms = await history(alice, { type: 'sms', direction: 'outbound' })
      expect(aliceOutboundSms.total).toBe(2)
      // Visibility still applies under a filter: bob's message is not in alice's view.
      expect((await history(alice, { type: 'email' })).total).toBe(0)
    },
    SLOW,
  )

  test(
    'paging',
    async () => {
      const first = await history(admin, { page: 1, page_size: 2 })
      const second = await history(admin, { page: 2, page_size: 2 })
      const third = await history(admin, { page: 3, page_size: 2 })
      expect(first).toMatchObject({ total: 5, page: 1, page_size: 2 })
      expect(first.items).toHaveLength(2)
      expect(third.items).toHaveLength(1)
      const ids = [...first.items, ...second.items, ...third.items].map((i) => i.id)
      expect(new Set(ids).size).toBe(5)
    },
    SLOW,
  )

  test(
    'bad query parameters are 422 naming the parameter',
    async () => {
      for (const [query, field] of [
        ['?page=0', 'page'],
        ['?page_size=0', 'page_size'],
        ['?page_size=201', 'page_size'],
        ['?page=abc', 'page'],
        ['?type=fax', 'type'],
        ['?direction=sideways', 'direction'],
        ['?customer_id=0', 'customer_id'],
        ['?customer_id=99999999999', 'customer_id'],
      ] as const) {
        const response = await testApp.request('GET', `${HISTORY}${query}`, { token: alice.token })
        expect(response.status).toBe(422)
        const body = await errorBody(response)
        expect(body.detail).toBe('Request validation failed')
        expect((body.errors ?? []).map((e) => e.field)).toContain(field)
      }
    },
    SLOW,
  )

  test(
    'needs authentication; trailing slash accepted',
    async () => {
      expect((await testApp.request('GET', HISTORY)).status).toBe(401)
      expect((await testApp.request('GET', `${HISTORY}/`, { token: alice.token })).status).toBe(200)
    },
    SLOW,
  )
})
