import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { describeEachDialect, errorBody, expectBody, useTestApp } from '../helpers/harness'
import { OptOutService } from '../../src/optouts/service'
import { createCustomer, listCustomers } from './fixtures'

describeEachDialect('customers CRUD', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['user', 'admin'] })
  const { user, admin } = testApp.users

  test('POST creates a customer: 201, trimmed fields, E.164 phone, timestamps', async () => {
    const before = Date.now()
    const created = await testApp.client(user).api.v2.customers.post({
      first_name: '  Grace ',
      last_name: 'Hopper',
      email: ' Grace.Hopper@Navy.example.com ',
      phone: '(415) 555-0143',
      company: 'US Navy',
      notes: 'Prefers e-mail.\nLine two.',
      tags: ['vip', ' vip ', 'navy'],
    })
    const body = expectBody(created, 201)
    expect(body).toMatchObject({
      first_name: 'Grace',
      last_name: 'Hopper',
      email: 'Grace.Hopper@Navy.example.com',
      phone: '+14155550143',
      company: 'US Navy',
      notes: 'Prefers e-mail.\nLine two.',
      tags: ['vip', 'navy'],
      sms_opt_out: false,
    })
    expect(Number.isInteger(body.id)).toBe(true)
    expect(Date.parse(body.created_at)).toBeGreaterThanOrEqual(before - 1000)
    expect(body.updated_at).toBe(body.created_at)
    expect(Object.keys(body).sort()).toEqual(
      [
        'id',
        'first_name',
        'last_name',
        'email',
        'phone',
        'company',
        'notes',
        'tags',
        'sms_opt_out',
        'created_at',
        'updated_at',
        'address_line1',
        'address_line2',
        'city',
        'state',
        'postal_code',
        'customer_type',
        'prospect_stage',
        'lead_source',
        'estimated_value',
        'assigned_sales_rep',
        'next_follow_up_date',
        'lead_notes',
        'is_archived',
        'is_active',
      ].sort(),
    )
    expect(body).toMatchObject({ is_archived: false, is_active: true, address_line1: null, customer_type: null, estimated_value: null })
  })

  test('only the names are required; optional fields default to null and tags to []', async () => {
    const body = await createCustomer(testApp, user.token, { first_name: 'Min', last_name: 'Imal' })
    expect(body).toMatchObject({ email: null, phone: null, company: null, notes: null, tags: [], sms_opt_out: false })
  })

  test('GET /customers/{id} returns the customer; a trailing slash works too', async () => {
    const created = await createCustomer(testApp, user.token, { first_name: 'Ada', last_name: 'Lovelace' })
    for (const path of [`/api/v2/customers/${created.id}`, `/api/v2/customers/${created.id}/`]) {
      const response = await testApp.request('GET', path, { token: user.token })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual(created)
    }
  })

  test('unknown, non-numeric, zero, negative and out-of-range ids are 404 "Customer not found"', async () => {
    for (const id of ['999999', 'abc', '0', '-1', '1.5', '99999999999', '2147483648', '1e3', '%20']) {
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const response = await testApp.request(method, `/api/v2/customers/${id}`, {
          token: admin.token,
          json: method === 'PATCH' ? { notes: 'x' } : undefined,
        })
        expect(response.status).toBe(404)
        expect((await errorBody(response)).detail).toBe('Customer not found')
      }
      const timeline = await testApp.request('GET', `/api/v2/customers/${id}/communications`, { token: admin.token })
      expect(timeline.status).toBe(404)
    }
  })

  test('PATCH changes only the given fields, null clears optional ones, updated_at moves', async () => {
    const created = await createCustomer(testApp, user.token, {
      first_name: 'Alan',
      last_name: 'Turing',
      email: 'alan@example.org',
      phone: '+14155550100',
      company: 'Bletchley',
      notes: 'n',
      tags: ['a'],
    })
    await Bun.sleep(5)
    const customer = testApp.client(user).api.v2.customers({ id: created.id })
    const body = expectBody(await customer.patch({ last_name: ' Mathison-Turing ', email: null, company: '', tags: null }), 200)
    expect(body).toMatchObject({
      id: created.id,
      first_name: 'Alan',
      last_name: 'Mathison-Turing',
      email: null,
      phone: '+14155550100',
      company: null,
      notes: 'n',
      tags: [],
    })
    expect(body.created_at).toBe(created.created_at)
    expect(Date.parse(body.updated_at)).toBeGreaterThan(Date.parse(created.updated_at))

    const again = await customer.get()
    expect(again.data).toEqual(body)

    const phone = await customer.patch({ phone: '415.555.0199', tags: ['x', 'y'] })
    expect(phone.data).toMatchObject({ phone: '+14155550199', tags: ['x', 'y'], email: null })
  })

  test('an empty PATCH leaves the data as it was', async () => {
    const created = await createCustomer(testApp, user.token, { first_name: 'Same', last_name: 'Old', email: 'same@example.com' })
    const { updated_at: _u, ...rest } = expectBody(await testApp.client(user).api.v2.customers({ id: created.id }).patch({}), 200)
    const { updated_at: _c, ...expected } = created
    expect(rest).toEqual(expected)
  })

  test('unknown and read-only fields are ignored on POST and PATCH', async () => {
    const created = await createCustomer(testApp, user.token, {
      first_name: 'Read',
      last_name: 'Only',
      phone: '+14155550177',
      sms_opt_out: true,
      id: 424242,
      created_at: '2000-01-01T00:00:00.000Z',
      deleted_at: '2000-01-01T00:00:00.000Z',
      favourite_colour: 'blue',
    })
    expect(created.sms_opt_out).toBe(false)
    expect(created.id).not.toBe(424242)
    expect(created.created_at).not.toBe('2000-01-01T00:00:00.000Z')
    expect(created).not.toHaveProperty('favourite_colour')
    const patched = await testApp.request('PATCH', `/api/v2/customers/${created.id}`, {
      token: user.token,
      json: { sms_opt_out: true, id: 1, search_text: 'zzz' },
    })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({ sms_opt_out: false })
    expect(await new OptOutService(testApp.database).isOptedOut('+14155550177')).toBe(false)
  })

  test('sms_opt_out shows the opt-out table state of the number, on GET and in lists', async () => {
    const optOuts = new OptOutService(testApp.database)
    const stopped = await createCustomer(testApp, user.token, {
      first_name: 'Stop',
      last_name: 'Per',
      phone: '+14155550111',
      company: 'OptOutCo',
    })
    const started = await createCustomer(testApp, user.token, {
      first_name: 'Start',
      last_name: 'Er',
      phone: '+14155550112',
      company: 'OptOutCo',
    })
    const nophone = await createCustomer(testApp, user.token, { first_name: 'No', last_name: 'Phone', company: 'OptOutCo' })
    await optOuts.set('+14155550111', true)
    await optOuts.set('+14155550112', false)

    const customers = testApp.client(user).api.v2.customers
    expect(expectBody(await customers({ id: stopped.id }).get(), 200).sms_opt_out).toBe(true)
    const list = await listCustomers(testApp, user.token, { search: 'optoutco' })
    const byId = new Map(list.items.map((c) => [c.id, c.sms_opt_out]))
    expect(byId.get(stopped.id)).toBe(true)
    expect(byId.get(started.id)).toBe(false)
    expect(byId.get(nophone.id)).toBe(false)

    // START clears it: the customer follows the number.
    await optOuts.set('+14155550111', false)
    expect(expectBody(await customers({ id: stopped.id }).get(), 200).sms_opt_out).toBe(false)

    // Changing the phone to an opted-out number shows that number's state.
    await optOuts.set('+14155550113', true)
    expect(expectBody(await customers({ id: started.id }).patch({ phone: '+1 415 555 0113' }), 200).sms_opt_out).toBe(true)
  })

  test('DELETE is soft: 204, gone from GET and lists, row and communications stay, audited', async () => {
    const created = await createCustomer(testApp, user.token, {
      first_name: 'Gone',
      last_name: 'Soon',
      company: 'Deletable Ltd',
      phone: '+14155550122',
    })
    const { communications, customers } = testApp.database.tables
    await testApp.database.db.insert(communications).values({
      type: 'sms',
      direction: 'outbound',
      status: 'sent',
      toAddress: '+14155550122',
      content: 'hello',
      customerId: created.id,
      createdAt: new Date(),
      updatedAt: new Date(),
    })
    const before = await listCustomers(testApp, user.token)

    const response = await testApp.request('DELETE', `/api/v2/customers/${created.id}`, {
      token: admin.token,
      headers: { 'x-forwarded-for': '203.0.113.9' },
    })
    expect(response.status).toBe(204)
    expect(await response.text()).toBe('')

    const get = await testApp.request('GET', `/api/v2/customers/${created.id}`, { token: user.token })
    expect(get.status).toBe(404)
    expect((await errorBody(get)).detail).toBe('Customer not found')
    const after = await listCustomers(testApp, user.token)
    expect(after.total).toBe(before.total - 1)
    expect(after.items.some((c) => c.id === created.id)).toBe(false)
    expect((await listCustomers(testApp, user.token, { search: 'deletable' })).total).toBe(0)

    const patch = await testApp.request('PATCH', `/api/v2/customers/${created.id}`, { token: user.token, json: { notes: 'x' } })
    expect(patch.status).toBe(404)
    const again = await testApp.request('DELETE', `/api/v2/customers/${created.id}`, { token: admin.token })
    expect(again.status).toBe(404)

    const [row] = await testApp.database.db.select().from(customers).where(eq(customers.id, created.id))
    expect(row?.deletedAt).toBeInstanceOf(Date)
    const kept = await testApp.database.db.select().from(communications).where(eq(communications.customerId, created.id))
    expect(kept.length).toBe(1)

    const audit = await testApp.ctx.audit.list({ page: 1, pageSize: 10, action: 'customer.deleted' })
    const entry = audit.items.find((item) => item.target === `customer:${created.id}`)
    expect(entry).toBeDefined()
    expect(entry!.user_id).toBe(admin.id)
    expect(entry!.actor_email).toBe(admin.email)
    expect(typeof entry!.ip).toBe('string')
    expect(audit.items.filter((item) => item.target === `customer:${created.id}`).length).toBe(1)
  })

  test('GET /customers lists newest first with total/page/page_size', async () => {
    const a = await createCustomer(testApp, user.token, { first_name: 'Order', last_name: 'First' })
    const b = await createCustomer(testApp, user.token, { first_name: 'Order', last_name: 'Second' })
    const list = await listCustomers(testApp, user.token)
    expect(list.page).toBe(1)
    expect(list.page_size).toBe(50)
    expect(list.items[0]!.id).toBe(b.id)
    expect(list.items[1]!.id).toBe(a.id)
    const ids = list.items.map((c) => c.id)
    expect([...ids].sort((x, y) => y - x)).toEqual(ids)
  })
})

describeEachDialect('customer timeline', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['user'] })
  const { user } = testApp.users

  test('lists the communications of the customer a user may see, newest first, in the shared shape', async () => {
    const customer = await createCustomer(testApp, user.token, { first_name: 'Time', last_name: 'Line', phone: '+14155550130' })
    const other = await createCustomer(testApp, user.token, { first_name: 'Other', last_name: 'One' })
    const sender = await testApp.createUser('admin')
    const { communications } = testApp.database.tables
    const base = Date.now() - 60_000
    const rows = [
      {
        type: 'sms',
        direction: 'outbound',
        status: 'delivered',
        toAddress: '+14155550130',
        fromAddress: '+15005550006',
        content: 'first',
        externalId: 'SM1',
        userId: sender.id,
        createdAt: new Date(base),
      },
      {
        type: 'sms',
        direction: 'inbound',
        status: 'received',
        toAddress: '+15005550006',
        fromAddress: '+14155550130',
        content: 'reply',
        externalId: 'SM2',
        mediaUrls: ['https://example.com/a.jpg'],
        createdAt: new Date(base + 1000),
      },
      {
        type: 'email',
        direction: 'outbound',
        status: 'failed',
        toAddress: 't@example.com',
        subject: 'Hi',
        content: 'mail',
        errorCode: '550',
        errorMessage: 'rejected',
        userId: user.id,
        createdAt: new Date(base + 2000),
      },
    ]
    for (const row of rows)
      await testApp.database.db.insert(communications).values({ ...row, customerId: customer.id, updatedAt: row.createdAt })
    await testApp.database.db.insert(communications).values({
      type: 'sms',
      direction: 'outbound',
      status: 'sent',
      toAddress: '+1',
      content: 'not theirs',
      customerId: other.id,
      createdAt: new Date(),
      updatedAt: new Date(),
    })

    // The admin (view_all_communications) sees every message; the plain user not the admin's outbound one (below).
    const timeline = testApp.client(sender).api.v2.customers({ id: customer.id }).communications
    const body = expectBody(await timeline.get(), 200)
    expect(body.total).toBe(3)
    expect(body.page).toBe(1)
    expect(body.page_size).toBe(50)
    expect(body.items.map((item) => item.content)).toEqual(['mail', 'reply', 'first'])
    expect(Object.keys(body.items[0]!).sort()).toEqual(
      [
        'id',
        'type',
        'direction',
        'status',
        'to_address',
        'from_address',
        'subject',
        'content',
        'external_id',
        'customer_id',
        'user_id',
        'error_code',
        'error_message',
        'media_urls',
        'created_at',
        'updated_at',
      ].sort(),
    )
    expect(body.items[0]).toMatchObject({
      type: 'email',
      status: 'failed',
      subject: 'Hi',
      error_code: '550',
      error_message: 'rejected',
      user_id: user.id,
      customer_id: customer.id,
      media_urls: [],
    })
    expect(body.items[1]).toMatchObject({
      direction: 'inbound',
      external_id: 'SM2',
      media_urls: ['https://example.com/a.jpg'],
      user_id: null,
      from_address: '+14155550130',
    })
    expect(body.items[2]).toMatchObject({ user_id: sender.id, created_at: new Date(base).toISOString() })

    const own = expectBody(await testApp.client(user).api.v2.customers({ id: customer.id }).communications.get(), 200)
    expect(own.total).toBe(2)
    expect(own.items.map((item) => item.content)).toEqual(['mail', 'reply'])

    const second = expectBody(await timeline.get({ query: { page: 2, page_size: 2 } }), 200)
    expect(second).toMatchObject({ total: 3, page: 2, page_size: 2 })
    expect(second.items.map((item) => item.content)).toEqual(['first'])

    const bad = await testApp.request('GET', `/api/v2/customers/${customer.id}/communications?page_size=0`, { token: user.token })
    expect(bad.status).toBe(422)

    // The other customer's one message was sent by nobody the plain user is: hidden from them, shown to the admin.
    const hidden = await testApp.client(user).api.v2.customers({ id: other.id }).communications.get()
    expect(expectBody(hidden, 200).total).toBe(0)
    const shown = await testApp.client(sender).api.v2.customers({ id: other.id }).communications.get()
    expect(expectBody(shown, 200).total).toBe(1)
  })

  test('a deleted customer has no timeline (404)', async () => {
    const admin = await testApp.createUser('admin')
    const customer = await createCustomer(testApp, user.token, { first_name: 'Deleted', last_name: 'Timeline' })
    expect((await testApp.request('DELETE', `/api/v2/customers/${customer.id}`, { token: admin.token })).status).toBe(204)
    const response = await testApp.request('GET', `/api/v2/customers/${customer.id}/communications`, { token: user.token })
    expect(response.status).toBe(404)
    expect((await errorBody(response)).detail).toBe('Customer not found')
  })
})
