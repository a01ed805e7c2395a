import { expect, test } from 'bun:test'
import { describeEachDialect, expectBody, useTestApp } from '../helpers/harness'

// A customer's timeline follows the history's rule: without view_all_communications,
// a user sees what they sent plus inbound messages, never another user's outbound content.
describeEachDialect('customer timeline visibility', (dialect) => {
  const testApp = useTestApp(dialect)

  test("another user's outbound messages are not shown to a user without view_all_communications", async () => {
    const alice = await testApp.createUser('user')
    const bob = await testApp.createUser('user')
    const admin = await testApp.createUser('admin')
    const created = await testApp.client(alice).api.v2.customers.post({ first_name: 'Tim', last_name: 'Line', phone: '+14155550177' })
    const customer = expectBody(created, 201)
    const { communications } = testApp.database.tables
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
    await testApp.database.db
      .insert(communications)
      .values([
        row('alice private note', 'outbound', alice.id, 0),
        row('customer reply', 'inbound', null, 1000),
        row('bob message', 'outbound', bob.id, 2000),
      ])

    const seen = async (token: string) => {
      const body = expectBody(await testApp.client(token).api.v2.customers({ id: customer.id }).communications.get(), 200)
      return { total: body.total, contents: body.items.map((item) => item.content) }
    }
    expect(await seen(bob.token)).toEqual({ total: 2, contents: ['bob message', 'customer reply'] })
    expect(await seen(alice.token)).toEqual({ total: 2, contents: ['customer reply', 'alice private note'] })
    expect(await seen(admin.token)).toEqual({ total: 3, contents: ['bob message', 'customer reply', 'alice private note'] })
    // The same rule as the history.
    const history = expectBody(await testApp.client(bob).api.v2.communications.history.get({ query: { customer_id: customer.id } }), 200)
    expect(history.items.map((item) => item.content)).toEqual(['bob message', 'customer reply'])
  })
})
