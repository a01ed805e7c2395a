import { expect, test } from 'bun:test'
import { describeEachDialect, useTestApp } from '../helpers/harness'
import { spaHeaders } from './spa'

// The React CRM app's customer screens, replayed: the list (with its 500-row
// view and the archive filter), the create/edit form with address, sales and the
// office's own fields, and archiving through is_active.
const EXTRA = 'system_type,manufacturer,tank_size_gallons,installer_name,system_issued_date'

/** The body the SPA's customer form posts (zod-parsed: empty selects dropped, numbers coerced, is_active default true). */
const FORM = {
  first_name: 'Marta',
  last_name: 'Reyes',
  email: 'marta@example.com',
  phone: '(512) 555-0147',
  address_line1: '400 Ranch Rd',
  address_line2: '',
  city: 'Dripping Springs',
  state: 'TX',
  postal_code: '78620',
  customer_type: 'residential',
  prospect_stage: 'new_lead',
  lead_source: 'website',
  estimated_value: 850,
  assigned_sales_rep: 'Jo',
  next_follow_up_date: '2026-04-15',
  lead_notes: 'Wants a quote for pumping',
  is_active: true,
  system_type: 'aerobic',
  manufacturer: 'Norweco',
  tank_size_gallons: 1000,
  installer_name: 'Hill Country Septic',
  system_issued_date: '2019-06-01',
}

describeEachDialect('React CRM app: customer screens', (dialect) => {
  const testApp = useTestApp(dialect, { env: { CUSTOMER_EXTRA_FIELDS: EXTRA }, roles: ['user'] })
  const { user } = testApp.users

  const call = async (method: string, path: string, json?: unknown) => {
    const response = await testApp.request(method, `/api/v2${path}`, {
      headers: spaHeaders({ token: user.token, json: json !== undefined }),
      body: json === undefined ? undefined : JSON.stringify(json),
    })
    // Untyped on purpose: the SPA is plain JavaScript and reads the answers as such.
    const body: Record<string, any> = await response.json()
    return { status: response.status, body }
  }

  test('the form: nothing typed vanishes; the record reads back with every field', async () => {
    const created = await call('POST', '/customers/', FORM)
    expect(created.status).toBe(201)
    const { phone: _phone, address_line2: _line2, ...typed } = FORM
    expect(created.body).toMatchObject({ ...typed, phone: '+15125550147', address_line2: null, is_archived: false })
    const read = await call('GET', `/customers/${created.body.id}`)
    expect(read.body).toEqual(created.body)

    // The edit form sends the whole form again with changes (Partial<CustomerFormData>).
    const edited = await call('PATCH', `/customers/${created.body.id}`, {
      ...FORM,
      city: 'Wimberley',
      tank_size_gallons: 1500,
      prospect_stage: 'contacted',
    })
    expect(edited.status).toBe(200)
    expect(edited.body).toMatchObject({ city: 'Wimberley', tank_size_gallons: 1500, prospect_stage: 'contacted', manufacturer: 'Norweco' })
  })

  test('the list: page_size=500, search, and the archive filter the SPA sends', async () => {
    const a = await call('POST', '/customers/', { ...FORM, first_name: 'Listed', email: 'listed@example.com' })
    const b = await call('POST', '/customers/', { ...FORM, first_name: 'Shelved', email: 'shelved@example.com' })
    // The SPA archives from the edit form: is_active false.
    const archived = await call('PATCH', `/customers/${b.body.id}`, { is_active: false })
    expect(archived.body).toMatchObject({ is_active: false, is_archived: true })

    const list = await call('GET', '/customers/?page=1&page_size=500&search=reyes')
    expect(list.status).toBe(200)
    expect(list.body).toMatchObject({ page: 1, page_size: 500 })
    const ids = list.body.items.map((c: { id: number }) => c.id)
    expect(ids).toContain(a.body.id)
    expect(ids).not.toContain(b.body.id)
    expect(list.body.items.every((c: { is_active: boolean }) => c.is_active)).toBe(true)

    const shelf = await call('GET', '/customers/?page=1&page_size=500&search=reyes&is_archived=true')
    expect(shelf.body.items.map((c: { id: number }) => c.id)).toEqual([b.body.id])
    expect((await call('GET', '/customers/?is_archived=false&page_size=500')).body.total).toBe(list.body.total)

    const restored = await call('POST', `/customers/${b.body.id}/unarchive`)
    expect(restored.body).toMatchObject({ is_active: true, is_archived: false })
  })

  test('a form with several mistakes gets one 422 naming each', async () => {
    const response = await call('POST', '/customers/', {
      ...FORM,
      first_name: '',
      email: 'marta@',
      phone: '555',
      customer_type: 'ranch',
      tank_size_gallons: [1000],
    })
    expect(response.status).toBe(422)
    expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'customer_type',
      'email',
      'first_name',
      'phone',
      'tank_size_gallons',
    ])
  })
})
