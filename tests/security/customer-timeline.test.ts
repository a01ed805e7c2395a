import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createTestApp, describeEachDialect, json, type TestApp } from '../helpers/harness'

// A customer's timeline follows the history's rule: without view_all_communications,
// a user sees what they sent plus inbound messages, never another user's outbound content.
describeEachDialect('customer timeline visibility', (dialect) => {
  let app: TestApp
  beforeAll(async () => {
    app = await createTestApp(dialect)
  })
  afterAll(() => app.close())

  test("another user's outbound messages are not shown to a user without view_all_communications", async () => {
    const alice = await app.createUser('user')
    const bob = await app.createUser('user')
    const admin = await app.createUser('admin')
    const created = await app.request('POST', '/api/v2/customers', {
      token: alice.token,
      json: { first_name: 'Tim', last_name: 'Line', phone: '+14155550177' },
    })
    const customer = await json<{ id: number }>(created)
    const { communications } = app.database.tables
    const now = Date.now()
    const row = (content: string, direction: string, userId: number | null, offset: number) => ({
      type: 'sms',
      direction,
      status: direction === 'inbound' ? 'received' : 'sent',
      toAddress: direction === 'inbound' ? '+15005550006' : '+14155550177',
      fromAddress: direction === 'inbound' ? '+14155550177' : '+15005550006',
      peerAddress: '+14155550177',
      content,
      customerId: customer.id,
      userId,
      createdAt: new Date(now + offset),
      updatedAt: new Date(now + offset),
    })
    await app.database.db
      .insert(communications)
      .values([
        row('alice private note', 'outbound', alice.id, 0),
        row('customer reply', 'inbound', null, 1000),
        row('bob message', 'outbound', bob.id, 2000),
      ])

    const seen = async (token: string) => {
      const response = await app.request('GET', `/api/v2/customers/${customer.id}/communications`, { token })
      expect(response.status).toBe(200)
      const body = await json<{ items: { content: string }[]; total: number }>(response)
      return { total: body.total, contents: body.items.map((item) => item.content) }
    }
    expect(await seen(bob.token)).toEqual({ total: 2, contents: ['bob message', 'customer reply'] })
    expect(await seen(alice.token)).toEqual({ total: 2, contents: ['customer reply', 'alice private note'] })
    expect(await seen(admin.token)).toEqual({ total: 3, contents: ['bob message', 'customer reply', 'alice private note'] })
    // The same rule as the history.
    const history = await json<{ items: { content: string }[] }>(
      await app.request('GET', `/api/v2/communications/history?customer_id=${customer.id}`, { token: bob.token }),
    )
    expect(history.items.map((item) => item.content)).toEqual(['bob message', 'customer reply'])
  })
})
