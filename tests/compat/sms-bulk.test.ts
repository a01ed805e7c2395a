import { expect, test } from 'bun:test'
import { createTestApp, describeEachDialect, errorBody } from '../helpers/harness'
import { OptOutService } from '../../src/optouts/service'
import { allCommunications, insertCustomer, useSmsApp } from '../communications/support'
import { spaHeaders } from './spa'

// The SMS command center's group mode: pick customers (GET /communications/sms/customers),
// then POST /communications/sms/send-bulk. Each recipient meets the checks of a single send.
describeEachDialect('React CRM app: group SMS', (dialect) => {
  // Three sends per user per minute: the fourth recipient meets the limit.
  const sms = useSmsApp(
    dialect,
    {
      RATE_LIMIT_SMS_PER_MINUTE: '3',
      RATE_LIMIT_SMS_PER_HOUR: '100',
      RATE_LIMIT_SMS_PER_DESTINATION_HOUR: '100',
    },
    { roles: ['user'], timeout: 30_000 },
  )
  const { testApp } = sms
  const { user } = testApp.users

  const call = async (method: string, path: string, json?: unknown, token = user.token) => {
    const response = await testApp.request(method, `/api/v2${path}`, {
      headers: spaHeaders({ token, json: json !== undefined }),
      body: json === undefined ? undefined : JSON.stringify(json),
    })
    // Untyped on purpose: the SPA is plain JavaScript and reads the answers as such.
    const body: Record<string, any> = await response.json()
    return { status: response.status, body }
  }

  test('the customer picker lists customers with a phone, by name, archived ones only on request', async () => {
    // Created through the API, so they are searchable.
    await call('POST', '/customers/', { first_name: 'Zed', last_name: 'Picker', phone: '+15125550301' })
    await call('POST', '/customers/', { first_name: 'Amy', last_name: 'Picker', phone: '+15125550302', email: 'amy@example.com' })
    await call('POST', '/customers/', { first_name: 'No', last_name: 'Picker' })
    await call('POST', '/customers/', { first_name: 'Old', last_name: 'Picker', phone: '+15125550303', is_active: false })
    const page = await call('GET', '/communications/sms/customers?search=picker&page=1&page_size=20&active_only=true')
    expect(page.status).toBe(200)
    expect(page.body).toMatchObject({ total: 2, page: 1, page_size: 20 })
    expect(page.body.items.map((c: { name: string }) => c.name)).toEqual(['Amy Picker', 'Zed Picker'])
    expect(page.body.items[0]).toMatchObject({
      first_name: 'Amy',
      last_name: 'Picker',
      phone: '+15125550302',
      email: 'amy@example.com',
      city: null,
      state: null,
      is_active: true,
    })
    expect((await call('GET', '/communications/sms/customers?search=picker&active_only=false')).body.total).toBe(3)
    expect((await call('GET', '/communications/sms/customers?search=%2B')).body.total).toBe(0)
  })

  test('each recipient: sent, opted out, no phone, unknown, rate limited; never more than the limit', async () => {
    const ids = [
      await insertCustomer(testApp.database, { firstName: 'A', lastName: 'One', phone: '+15125550401' }),
      await insertCustomer(testApp.database, { firstName: 'B', lastName: 'Two', phone: '+15125550402' }),
      await insertCustomer(testApp.database, { firstName: 'C', lastName: 'Three', phone: '+15125550403' }),
      await insertCustomer(testApp.database, { firstName: 'D', lastName: 'Four' }),
      await insertCustomer(testApp.database, { firstName: 'E', lastName: 'Five', phone: '+15125550405' }),
      await insertCustomer(testApp.database, { firstName: 'F', lastName: 'Six', phone: '+15125550406' }),
    ]
    await new OptOutService(testApp.database).set('+15125550402', true)
    sms.twilio.respondWith({ kind: 'ok' })
    sms.twilio.respondWith({ kind: 'error', httpStatus: 400, code: 21211, message: 'Invalid To' })
    // The SPA sends the ids as it got them; strings included.
    const answer = await call('POST', '/communications/sms/send-bulk', {
      customer_ids: [...ids.map(String), '999999'],
      message: 'Holiday hours: closed Monday',
    })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ total: 7, sent: 2, failed: 1, skipped: 4 })
    const byId = new Map<number, Record<string, unknown>>(
      answer.body.results.map((r: Record<string, unknown>) => [r.customer_id as number, r]),
    )
    expect(byId.get(ids[0]!)).toMatchObject({ status: 'sent', customer_name: 'A One', phone: '+15125550401' })
    expect(byId.get(ids[1]!)).toMatchObject({ status: 'skipped', reason: 'opted_out' })
    expect(byId.get(ids[2]!)).toMatchObject({ status: 'failed', reason: 'provider_error', detail: 'SMS provider error: Invalid To' })
    expect(byId.get(ids[3]!)).toMatchObject({ status: 'skipped', reason: 'no_phone' })
    expect(byId.get(ids[4]!)).toMatchObject({ status: 'sent' })
    const limited = byId.get(ids[5]!) as Record<string, string>
    expect(limited).toMatchObject({ status: 'skipped', reason: 'rate_limited' })
    expect(limited.detail).toMatch(/^Rate limit exceeded: .*Retry after \d+ seconds\.$/)
    expect(byId.get(999999)).toMatchObject({ status: 'skipped', reason: 'not_found' })

    // What reached Twilio: exactly the three admitted sends (one refused by the provider).
    expect(sms.twilio.requests.map((r) => r.to)).toEqual(['+15125550401', '+15125550403', '+15125550405'])
    expect(sms.twilio.requests.every((r) => r.body === 'Holiday hours: closed Monday')).toBe(true)
    const rows = (await allCommunications(testApp.database)).filter((row) => row.content === 'Holiday hours: closed Monday')
    expect(rows.map((row): unknown[] => [row.peerAddress, row.status, row.customerId])).toEqual([
      ['+15125550401', 'queued', ids[0]!],
      ['+15125550403', 'failed', ids[2]!],
      ['+15125550405', 'queued', ids[4]!],
    ])
    // The limit holds for the next single send as well.
    expect((await call('POST', '/communications/sms/send', { to_phone: '+15125550406', message: 'x' })).status).toBe(429)
  })

  test('bad requests: empty, too many, not numbers, no message', async () => {
    const many = Array.from({ length: 101 }, (_, i) => i + 1)
    for (const body of [
      { customer_ids: [], message: 'x' },
      { customer_ids: many, message: 'x' },
      { customer_ids: ['abc'], message: 'x' },
      { customer_ids: [1], message: '  ' },
      { customer_ids: [1] },
    ]) {
      expect((await call('POST', '/communications/sms/send-bulk', body)).status).toBe(422)
    }
    const other = await testApp.createUser('user')
    expect(
      (await testApp.request('POST', '/api/v2/communications/sms/send-bulk', { json: { customer_ids: [1], message: 'x' } })).status,
    ).toBe(401)
    expect(sms.twilio.requests.length).toBeLessThanOrEqual(3)
    void other
  })
})

describeEachDialect('group SMS without Twilio', (dialect) => {
  test('503 before anything is looked at or sent', async () => {
    const testApp = await createTestApp(dialect)
    try {
      const user = await testApp.createUser('user')
      const response = await testApp.request('POST', '/api/v2/communications/sms/send-bulk', {
        token: user.token,
        json: { customer_ids: [1], message: 'x' },
      })
      expect(response.status).toBe(503)
      expect((await errorBody(response)).detail).toStartWith('SMS is not configured')
    } finally {
      await testApp.close()
    }
  }, 30_000)
})
