import { expect, test } from 'bun:test'
import { expectBody, useTestApp } from '../helpers/harness'

// The routes added for the React CRM app's SMS and inbox screens are guarded like the rest.
const testApp = useTestApp('sqlite')

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
  const response = await testApp.request(method, path, method === 'POST' ? { json: { customer_ids: [1], message: 'x' } } : {})
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toBe('Bearer')
  expect(await response.json()).toEqual({ detail: 'Could not validate credentials' })
})

test('marking a thread read never reveals or changes outbound messages', async () => {
  const user = await testApp.createUser('user')
  const other = await testApp.createUser('user')
  const { communications } = testApp.database.tables
  const now = new Date()
  await testApp.database.db.insert(communications).values({
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
  const read = await testApp.request('POST', '/api/v2/sms/conversations/%2B14155550160/read', { token: user.token })
  expect(await read.json()).toEqual({ id: '+14155550160', marked_read: 0, unread_count: 0 })
  const thread = await testApp.request('GET', '/api/v2/sms/conversations/%2B14155550160', { token: user.token })
  expect(await thread.json()).toMatchObject({ messages: [], total_count: 0 })
  const list = expectBody(await testApp.client(user).api.v2.sms.conversations.get(), 200)
  expect(list.total).toBe(0)
  const [row] = await testApp.database.db.select().from(communications)
  expect(row!.readAt).toBeNull()
})
