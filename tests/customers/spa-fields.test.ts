import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { describeEachDialect, expectBody, useTestApp } from '../helpers/harness'
import { createCustomer, invalidFields, listCustomers } from './fixtures'

const EXTRA = 'system_type,manufacturer,tank_size_gallons,installer_name,system_issued_date,warranty'

describeEachDialect('customer address, sales and extra fields', (dialect) => {
  const testApp = useTestApp(dialect, { env: { CUSTOMER_EXTRA_FIELDS: EXTRA }, roles: ['user'] })
  const { user } = testApp.users

  const post = (json: unknown) => testApp.request('POST', '/api/v2/customers', { token: user.token, json })

  test('every field of the form is stored and returned; extra fields at the top level; other unknown fields ignored', async () => {
    // Through a variable: the office's own fields are not in the static type, and latitude is unknown on purpose.
    const form = {
      first_name: 'Dana',
      last_name: 'Field',
      address_line1: ' 12 Main St ',
      address_line2: 'Unit 4',
      city: 'Austin',
      state: 'TX',
      postal_code: '78701',
      customer_type: 'commercial',
      prospect_stage: 'quoted',
      lead_source: 'referral',
      estimated_value: 1250.5,
      assigned_sales_rep: 'Sam',
      next_follow_up_date: '2026-03-01',
      lead_notes: 'Call after lunch',
      system_type: 'aerobic',
      tank_size_gallons: 1000,
      warranty: true,
      installer_name: null,
      latitude: 30.1,
    }
    const customers = testApp.client(user).api.v2.customers
    const body = expectBody(await customers.post(form), 201)
    expect(body).toMatchObject({
      address_line1: '12 Main St',
      address_line2: 'Unit 4',
      city: 'Austin',
      state: 'TX',
      postal_code: '78701',
      customer_type: 'commercial',
      prospect_stage: 'quoted',
      lead_source: 'referral',
      estimated_value: 1250.5,
      assigned_sales_rep: 'Sam',
      next_follow_up_date: '2026-03-01',
      lead_notes: 'Call after lunch',
      system_type: 'aerobic',
      manufacturer: null,
      tank_size_gallons: 1000,
      installer_name: null,
      system_issued_date: null,
      warranty: true,
      is_active: true,
      is_archived: false,
    })
    expect(body).not.toHaveProperty('latitude')
    const table = testApp.database.tables.customers
    const [row] = await testApp.database.db.select().from(table).where(eq(table.id, body.id))
    expect(row!.extraFields).toEqual({ system_type: 'aerobic', tank_size_gallons: 1000, warranty: true, installer_name: null })

    // PATCH merges extra fields; absent ones stay.
    const change = { manufacturer: 'Norweco', customer_type: '', estimated_value: null }
    expect(expectBody(await customers({ id: body.id }).patch(change), 200)).toMatchObject({
      system_type: 'aerobic',
      manufacturer: 'Norweco',
      customer_type: null,
      estimated_value: null,
      city: 'Austin',
    })
    const read = expectBody(await customers({ id: body.id }).get(), 200)
    expect(read).toMatchObject({ manufacturer: 'Norweco', tank_size_gallons: 1000 })
  })

  test('one 422 names every bad field, schema and service checks together', async () => {
    const fields = await invalidFields(
      await post({
        first_name: '',
        last_name: 'Ok',
        phone: 'not a phone',
        email: 'nope',
        customer_type: 'castle',
        prospect_stage: 'maybe',
        estimated_value: -1,
        next_follow_up_date: '2026-02-30',
        installer_name: { nested: true },
        system_type: 'x'.repeat(1001),
      }),
    )
    expect(fields.sort()).toEqual(
      [
        'customer_type',
        'email',
        'estimated_value',
        'first_name',
        'installer_name',
        'next_follow_up_date',
        'phone',
        'prospect_stage',
        'system_type',
      ].sort(),
    )
    // Only service-level problems: the same one answer.
    expect((await invalidFields(await post({ first_name: 'A', last_name: 'B', phone: '12', email: 'x@y' }))).sort()).toEqual([
      'email',
      'phone',
    ])
  })

  test('archiving: is_active false archives, the default list hides archived customers, totals stay exact', async () => {
    const list = (query: Parameters<typeof listCustomers>[2] = {}) => listCustomers(testApp, user.token, { page_size: 500, ...query })
    const before = await list()
    const a = await createCustomer(testApp, user.token, { first_name: 'Arch', last_name: 'One' })
    const b = await createCustomer(testApp, user.token, { first_name: 'Arch', last_name: 'Two', is_active: false })
    expect(b).toMatchObject({ is_archived: true, is_active: false })
    expect((await list()).total).toBe(before.total + 1)
    expect((await list()).items.map((c) => c.id)).not.toContain(b.id)
    const archived = await list({ is_archived: true })
    expect(archived.items.map((c) => c.id)).toContain(b.id)
    expect(archived.total).toBe(archived.items.length)

    const archive = await testApp.client(user).api.v2.customers({ id: a.id }).archive.post()
    expect(expectBody(archive, 200)).toMatchObject({ id: a.id, is_archived: true, is_active: false })
    expect((await list()).total).toBe(before.total)
    expect((await list({ search: 'arch' })).total).toBe(0)
    expect((await list({ search: 'arch', is_archived: true })).items.map((c) => c.id).sort()).toEqual([a.id, b.id].sort())
    // Archived customers are still readable; deleting one keeps the counts right.
    expect((await testApp.request('GET', `/api/v2/customers/${a.id}`, { token: user.token })).status).toBe(200)
    const admin = await testApp.createUser('admin')
    expect((await testApp.request('DELETE', `/api/v2/customers/${b.id}`, { token: admin.token })).status).toBe(204)
    expect((await list({ is_archived: true })).items.map((c) => c.id)).not.toContain(b.id)

    await testApp.request('POST', `/api/v2/customers/${a.id}/unarchive`, { token: user.token })
    expect((await list()).total).toBe(before.total + 1)
    const patched = await testApp.request('PATCH', `/api/v2/customers/${a.id}`, {
      token: user.token,
      json: { is_archived: false, is_active: false },
    })
    expect(await invalidFields(patched)).toEqual(['is_active'])
    expect((await testApp.request('POST', '/api/v2/customers/999999/archive', { token: user.token })).status).toBe(404)
    // The figure the list answers equals a real count.
    const { customers } = testApp.database.tables
    const rows = await testApp.database.db.select().from(customers)
    expect((await list()).total).toBe(rows.filter((row) => !row.deletedAt && !row.isArchived).length)
  })

  test('prospect_stage filters the list, with and without search', async () => {
    const won = await createCustomer(testApp, user.token, { first_name: 'Stage', last_name: 'Won', prospect_stage: 'won' })
    const lost = await createCustomer(testApp, user.token, { first_name: 'Stage', last_name: 'Lost', prospect_stage: 'lost' })
    const ids = async (query: Parameters<typeof listCustomers>[2]) =>
      (await listCustomers(testApp, user.token, { page_size: 500, ...query })).items.map((c) => c.id)
    expect(await ids({ prospect_stage: 'won' })).toContain(won.id)
    expect(await ids({ prospect_stage: 'won' })).not.toContain(lost.id)
    expect(await ids({ prospect_stage: 'lost', search: 'stage' })).toEqual([lost.id])
    expect(await ids({ prospect_stage: 'lost', search: 'st' })).toEqual([lost.id])
    expect(await ids({ prospect_stage: '', search: 'stage' })).toEqual([lost.id, won.id])
    const total = (await listCustomers(testApp, user.token, { prospect_stage: 'won' })).total
    expect(total).toBe((await ids({ prospect_stage: 'won' })).length)
    expect(await invalidFields(await testApp.request('GET', '/api/v2/customers?prospect_stage=maybe', { token: user.token }))).toEqual([
      'prospect_stage',
    ])
  })

  test('the OpenAPI document describes the extra fields in the bodies and the answers', async () => {
    const text = await (await testApp.request('GET', '/openapi.json')).text()
    const doc = JSON.parse(text) as { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } }
    const body = doc.paths['/api/v2/customers']!.post.requestBody.content['application/json'].schema
    const props = body.properties ?? doc.components.schemas[String(body.$ref).split('/').pop()!].properties
    for (const name of EXTRA.split(',')) expect(props).toHaveProperty(name)
    expect(props).toHaveProperty('address_line1')
    expect(text).toContain('CUSTOMER_EXTRA_FIELDS')
  })

  test('page_size up to 500 on the customer list only', async () => {
    expect((await testApp.request('GET', '/api/v2/customers?page_size=500', { token: user.token })).status).toBe(200)
    expect(await invalidFields(await testApp.request('GET', '/api/v2/customers?page_size=501', { token: user.token }))).toEqual([
      'page_size',
    ])
    expect(
      await invalidFields(await testApp.request('GET', '/api/v2/communications/history?page_size=500', { token: user.token })),
    ).toEqual(['page_size'])
  })
})

test('CUSTOMER_EXTRA_FIELDS refuses names customers already have and malformed names', async () => {
  const { loadConfig, ConfigError } = await import('../../src/config')
  const base = { SECRET_KEY: 'x'.repeat(40), DATA_DIR: '/tmp' }
  expect(loadConfig({ ...base, CUSTOMER_EXTRA_FIELDS: ' system_type , manufacturer ,' }).customerExtraFields).toEqual([
    'system_type',
    'manufacturer',
  ])
  expect(() => loadConfig({ ...base, CUSTOMER_EXTRA_FIELDS: 'phone' })).toThrow(ConfigError)
  expect(() => loadConfig({ ...base, CUSTOMER_EXTRA_FIELDS: 'Bad-Name' })).toThrow(/CUSTOMER_EXTRA_FIELDS/)
})
