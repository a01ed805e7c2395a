import { beforeAll, expect, test } from 'bun:test'
import { describeEachDialect, type TestUser } from '../helpers/harness'
import { insertCustomer, SMS_LIMITS_OUT_OF_THE_WAY, useSmsApp } from '../communications/support'
import { INCOMING, inboundPairs, postSigned } from '../webhooks/signing'
import { spaHeaders } from './spa'
import { AUTH_TOKEN } from '../../testkit/twilio'

// The SMS inbox, a conversation, the unified inbox and the e-mail inbox, as
// the React CRM app reads them, fed by real sends (fake Twilio) and signed
// inbound webhooks.
const ROSA = '+15125550123'
const STRANGER = '+15125550999'

describeEachDialect('React CRM app: SMS inbox and unified inbox', (dialect) => {
  const sms = useSmsApp(
    dialect,
    {
      ...SMS_LIMITS_OUT_OF_THE_WAY,
    },
    { roles: ['user'], timeout: 30_000 },
  )
  const { testApp } = sms
  const { user: alice } = testApp.users
  let bob: TestUser
  let admin: TestUser
  let rosaId: number

  const call = async (token: string, method: string, path: string, json?: unknown) => {
    const response = await testApp.request(method, `/api/v2${path}`, {
      headers: spaHeaders({ token, json: json !== undefined }),
      body: json === undefined ? undefined : JSON.stringify(json),
    })
    // Untyped on purpose: the SPA is plain JavaScript and reads the answers as such.
    const body: Record<string, any> = await response.json()
    return { status: response.status, body }
  }
  const inbound = async (from: string, body: string) => {
    const response = await postSigned(testApp, INCOMING, inboundPairs({ From: from, Body: body }), { token: AUTH_TOKEN })
    expect(response.status).toBe(200)
  }

  beforeAll(async () => {
    bob = await testApp.createUser('user')
    admin = await testApp.createUser('admin')
    rosaId = await insertCustomer(testApp.database, { firstName: 'Rosa', lastName: 'Diaz', phone: ROSA, email: 'rosa@example.com' })
    // A thread with Rosa: Alice writes, Rosa answers twice, Bob writes last.
    expect(
      (
        await call(alice.token, 'POST', '/communications/sms/send', {
          to_phone: ROSA,
          message: 'alice: pump-out tomorrow?',
          customer_id: String(rosaId),
        })
      ).status,
    ).toBe(201)
    await inbound(ROSA, 'rosa: yes please')
    await inbound(ROSA, 'rosa: at 9?')
    expect((await call(bob.token, 'POST', '/communications/sms/send', { conversation_id: ROSA, content: 'bob: 9 works' })).status).toBe(201)
    // A number no customer has.
    await inbound(STRANGER, 'who is this?')
  }, 30_000)

  test('the inbox list: one row per number, newest first, names, previews, unread counts', async () => {
    const list = await call(admin.token, 'GET', '/sms/conversations')
    expect(list.status).toBe(200)
    expect(list.body).toMatchObject({ total: 2, page: 1, page_size: 50 })
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: STRANGER,
        phone_number: STRANGER,
        customer_id: null,
        customer_name: null,
        last_message: 'who is this?',
        direction: 'inbound',
        unread_count: 1,
        total_count: 1,
      }),
      expect.objectContaining({
        id: ROSA,
        phone_number: ROSA,
        customer_id: rosaId,
        customer_name: 'Rosa Diaz',
        last_message: 'bob: 9 works',
        direction: 'outbound',
        unread_count: 2,
        total_count: 4,
      }),
    ])
    expect(Date.parse(list.body.items[0].last_message_time)).not.toBeNaN()
    // The SPA's search box: name, number, message text.
    for (const [search, ids] of [
      ['rosa', [ROSA]],
      ['0999', [STRANGER]],
      ['WHO IS', [STRANGER]],
      ['+', []],
      ['nobody', []],
    ] as const) {
      const found = await call(admin.token, 'GET', `/sms/conversations?search=${encodeURIComponent(search)}`)
      expect({ search, ids: found.body.items.map((c: { id: string }) => c.id) }).toEqual({ search, ids: [...ids] })
    }
  })

  test('without view_all_communications a user sees inbound messages and their own outbound ones only', async () => {
    const list = await call(alice.token, 'GET', '/sms/conversations')
    const rosa = list.body.items.find((c: { id: string }) => c.id === ROSA)
    expect(rosa).toMatchObject({ last_message: 'rosa: at 9?', direction: 'inbound', total_count: 3 })
    const thread = await call(alice.token, 'GET', `/sms/conversations/${encodeURIComponent(ROSA)}`)
    expect(thread.body.messages.map((m: { content: string }) => m.content)).toEqual([
      'alice: pump-out tomorrow?',
      'rosa: yes please',
      'rosa: at 9?',
    ])
    const customerThread = await call(bob.token, 'GET', `/customers/${rosaId}/sms-conversation`)
    expect(customerThread.body.messages.map((m: { content: string }) => m.content)).toEqual([
      'rosa: yes please',
      'rosa: at 9?',
      'bob: 9 works',
    ])
    const activity = await call(bob.token, 'GET', '/communications/activity?limit=50')
    expect(activity.body.items.map((i: { content: string }) => i.content)).not.toContain('alice: pump-out tomorrow?')
  })

  test('a conversation: oldest first, paged backwards, opening does not mark read, /read does', async () => {
    const path = `/sms/conversations/${encodeURIComponent(ROSA)}`
    const thread = await call(admin.token, 'GET', path)
    expect(thread.status).toBe(200)
    expect(thread.body).toMatchObject({
      id: ROSA,
      phone_number: ROSA,
      customer_id: rosaId,
      customer_name: 'Rosa Diaz',
      unread_count: 2,
      has_more: false,
    })
    const messages = thread.body.messages as Record<string, any>[]
    expect(messages.map((m) => [m.direction, m.content])).toEqual([
      ['outbound', 'alice: pump-out tomorrow?'],
      ['inbound', 'rosa: yes please'],
      ['inbound', 'rosa: at 9?'],
      ['outbound', 'bob: 9 works'],
    ])
    for (const message of messages) {
      expect(typeof message.id).toBe('number')
      expect(Date.parse(message.sent_at)).not.toBeNaN()
      expect(message.created_at).toBe(message.queued_at)
      expect(typeof message.status).toBe('string')
    }
    const older = await call(admin.token, 'GET', `${path}?limit=2&before_id=${messages[3]!.id}`)
    expect(older.body.messages.map((m: { content: string }) => m.content)).toEqual(['rosa: yes please', 'rosa: at 9?'])
    expect(older.body.has_more).toBe(true)

    expect((await call(admin.token, 'GET', '/communications/stats')).body).toEqual({ unread_sms: 3, unread_email: 0, pending_reminders: 0 })
    const read = await call(alice.token, 'POST', `${path}/read`)
    expect(read.body).toEqual({ id: ROSA, marked_read: 2, unread_count: 0 })
    expect((await call(admin.token, 'GET', path)).body.unread_count).toBe(0)
    expect((await call(admin.token, 'GET', '/sms/conversations')).body.items.map((c: { unread_count: number }) => c.unread_count)).toEqual([
      1, 0,
    ])
    expect((await call(admin.token, 'GET', '/communications/stats')).body.unread_sms).toBe(1)
    // A national number and an unknown-but-valid number work; an id that is no number is 404.
    expect((await call(admin.token, 'GET', '/sms/conversations/5125550123')).body.id).toBe(ROSA)
    expect((await call(admin.token, 'GET', `/sms/conversations/${encodeURIComponent('+15125550100')}`)).body).toMatchObject({
      messages: [],
      unread_count: 0,
    })
    expect((await call(admin.token, 'GET', '/sms/conversations/not-a-number')).status).toBe(404)
  })

  test("a customer's SMS tab: the thread with their phone, messages with queued_at", async () => {
    const thread = await call(admin.token, 'GET', `/customers/${rosaId}/sms-conversation`)
    expect(thread.status).toBe(200)
    expect(thread.body).toMatchObject({ customer_id: rosaId, customer_name: 'Rosa Diaz', customer_phone: ROSA, id: ROSA })
    expect(thread.body.messages).toHaveLength(4)
    expect(thread.body.messages[0].queued_at).toBe(thread.body.messages[0].created_at)
    const noPhone = await insertCustomer(testApp.database, { firstName: 'No', lastName: 'Phone' })
    expect((await call(admin.token, 'GET', `/customers/${noPhone}/sms-conversation`)).body).toMatchObject({
      messages: [],
      unread_count: 0,
      customer_phone: null,
    })
    expect((await call(admin.token, 'GET', '/customers/999999/sms-conversation')).status).toBe(404)
  })

  test('the unified inbox: activity with names or numbers, channel and search filters', async () => {
    const all = await call(admin.token, 'GET', '/communications/activity?limit=50')
    expect(all.status).toBe(200)
    expect(all.body.total).toBe(5)
    const first = all.body.items[0]
    expect(Object.keys(first).sort()).toEqual([
      'content',
      'created_at',
      'customer_id',
      'customer_name',
      'direction',
      'from_address',
      'id',
      'sent_at',
      'status',
      'subject',
      'to_address',
      'type',
    ])
    expect(first).toMatchObject({ type: 'sms', customer_name: STRANGER, customer_id: null, content: 'who is this?', direction: 'inbound' })
    expect(new Set(all.body.items.map((i: { id: string }) => i.id)).size).toBe(5)
    expect(all.body.items.every((i: { id: string; customer_name: string }) => /^sms-\d+$/.test(i.id) && i.customer_name)).toBe(true)
    expect((await call(admin.token, 'GET', '/communications/activity?limit=2')).body.items).toHaveLength(2)
    expect((await call(admin.token, 'GET', '/communications/activity?channel=email')).body).toEqual({ items: [], total: 0 })
    const searched = await call(admin.token, 'GET', '/communications/activity?limit=50&search=diaz')
    expect(searched.body.items.map((i: { customer_name: string }) => i.customer_name)).toEqual([
      'Rosa Diaz',
      'Rosa Diaz',
      'Rosa Diaz',
      'Rosa Diaz',
    ])
    expect((await call(admin.token, 'GET', '/communications/activity?channel=fax')).status).toBe(422)
  })

  test('the e-mail inbox and the history: message_type, customer_name and sent_at', async () => {
    const { communications } = testApp.database.tables
    const now = new Date()
    await testApp.database.db.insert(communications).values({
      type: 'email',
      direction: 'outbound',
      status: 'sent',
      toAddress: 'rosa@example.com',
      peerAddress: 'rosa@example.com',
      subject: 'Quote',
      content: 'Attached',
      customerId: rosaId,
      userId: admin.id,
      createdAt: now,
      updatedAt: now,
    })
    const emails = await call(admin.token, 'GET', '/communications/history?message_type=email&page=1&page_size=50')
    expect(emails.body.items).toHaveLength(1)
    expect(emails.body.items[0]).toMatchObject({ type: 'email', customer_name: 'Rosa Diaz', subject: 'Quote', sent_at: now.toISOString() })
    const sms = await call(admin.token, 'GET', `/communications/history?customer_id=${rosaId}&page_size=100`)
    expect(sms.body.items.every((i: { customer_name: string }) => i.customer_name === 'Rosa Diaz')).toBe(true)
    expect((await call(admin.token, 'GET', '/communications/history?type=sms&message_type=email')).status).toBe(422)
  })
})
