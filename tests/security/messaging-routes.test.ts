import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createTestApp, json, type TestApp } from '../helpers/harness'

// The routes added for the React CRM app's SMS and inbox screens are guarded like the rest.
let app: TestApp
beforeAll(async () => {
  app = await createTestApp('sqlite')
})
afterAll(() => app.close())

test.each([
  ['GET', '/api/v2/sms/conversations'],
  ['GET', '/api/v2/sms/conversations/%2B14155550143'],
  ['POST', '/api/v2/sms/conversations/%2B14155550143/read'],
  ['GET', '/api/v2/customers/1/sms-conversation'],
  ['GET', '/api/v2/communications/sms/customers'],
  ['POST', '/api/v2/communications/sms/send-bulk'],
  ['GET', '/api/v2/communications/stats'],
  ['GET', '/api/v2/communications/activity'],
  ['POST', '/api/v2/customers/1/archive'],
  ['POST', '/api/v2/customers/1/unarchive'],
])('%s %s without a token is 401 and touches nothing', async (method, path) => {
  const response = await app.request(method, path, method === 'POST' ? { json: { customer_ids: [1], message: 'x' } } : {})
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toBe('Bearer')
  expect(await json(response)).toEqual({ detail: 'Could not validate credentials' })
})

test('marking a thread read never reveals or changes outbound messages', async () => {
  const user = await app.createUser('user')
  const other = await app.createUser('user')
  const { communications } = app.database.tables
  const now = new Date()
  await app.database.db.insert(communications).values({
    type: 'sms',
    direction: 'outbound',
    status: 'sent',
    toAddress: '+14155550160',
    peerAddress: '+14155550160',
    content: 'private',
    userId: other.id,
    createdAt: now,
    updatedAt: now,
  })
  const read = await app.request('POST', '/api/v2/sms/conversations/%2B14155550160/read', { token: user.token })
  expect(await json(read)).toEqual({ id: '+14155550160', marked_read: 0, unread_count: 0 })
  const thread = await json<{ messages: unknown[]; total_count: number }>(
    await app.request('GET', '/api/v2/sms/conversations/%2B14155550160', { token: user.token }),
  )
  expect(thread).toMatchObject({ messages: [], total_count: 0 })
  const list = await json<{ total: number }>(await app.request('GET', '/api/v2/sms/conversations', { token: user.token }))
  expect(list.total).toBe(0)
  const [row] = await app.database.db.select().from(communications)
  expect(row!.readAt).toBeNull()
})
