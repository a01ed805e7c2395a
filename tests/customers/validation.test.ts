import { beforeAll, expect, test } from 'bun:test'
import { describeEachDialect, expectBody, useTestApp } from '../helpers/harness'
import { createCustomer, invalidFields, listCustomers, type CustomerBody } from './fixtures'

const valid = { first_name: 'Valid', last_name: 'Person' }

describeEachDialect('customer validation', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['user'] })
  const { user } = testApp.users
  let existing: CustomerBody

  beforeAll(async () => {
    existing = await createCustomer(testApp, user.token, {
      first_name: 'Kept',
      last_name: 'Intact',
      email: 'kept@example.com',
      phone: '+14155550150',
    })
  })

  const post = (json: unknown) => testApp.request('POST', '/api/v2/customers', { token: user.token, json })
  const patch = (json: unknown) => testApp.request('PATCH', `/api/v2/customers/${existing.id}`, { token: user.token, json })

  const cases: [string, string, unknown][] = [
    ['first_name', 'missing', undefined],
    ['first_name', 'empty', ''],
    ['first_name', 'blank after trim', '   '],
    ['first_name', 'too long', 'x'.repeat(101)],
    ['first_name', 'not a string', 42],
    ['first_name', 'null', null],
    ['last_name', 'missing', undefined],
    ['last_name', 'blank', '\t \n'],
    ['last_name', 'too long', 'y'.repeat(101)],
    ['email', 'no at sign', 'not-an-email'],
    ['email', 'no domain dot', 'a@localhost'],
    ['email', 'spaces inside', 'a b@example.com'],
    ['email', 'two at signs', 'a@b@example.com'],
    ['email', 'too long', `${'a'.repeat(250)}@example.com`],
    ['email', 'number', 5],
    ['phone', 'letters', 'call me'],
    ['phone', 'too short', '123'],
    ['phone', 'NANP area code 0', '(000) 000-0000'],
    ['phone', 'too long', '+1 415 555 0143 0143 0143 0143 0143 0143 0143'],
    ['phone', 'number', 4155550143],
    ['company', 'too long', 'c'.repeat(201)],
    ['notes', 'too long', 'n'.repeat(10_001)],
    ['tags', 'not an array', 'vip'],
    ['tags', 'empty tag', ['ok', '']],
    ['tags', 'blank tag', ['  ']],
    ['tags', 'tag too long', ['t'.repeat(51)]],
    ['tags', 'too many', Array.from({ length: 51 }, (_, i) => `t${i}`)],
    ['tags', 'non-string tag', [1]],
  ]

  for (const [field, what, value] of cases) {
    test(`POST: ${field} ${what} → 422 naming ${field}`, async () => {
      const body: Record<string, unknown> = { ...valid }
      if (value === undefined) delete body[field]
      else body[field] = value
      const fields = await invalidFields(await post(body))
      expect(fields.some((f) => f === field || f.startsWith(`${field}.`))).toBe(true)
    })
    if (value !== undefined && !(field.endsWith('_name') && what === 'null')) {
      test(`PATCH: ${field} ${what} → 422 naming ${field}`, async () => {
        const fields = await invalidFields(await patch({ [field]: value }))
        expect(fields.some((f) => f === field || f.startsWith(`${field}.`))).toBe(true)
      })
    }
  }

  test('PATCH: null names are refused (they are required)', async () => {
    expect(await invalidFields(await patch({ first_name: null }))).toContain('first_name')
    expect(await invalidFields(await patch({ last_name: null }))).toContain('last_name')
  })

  test('several bad fields are reported together', async () => {
    const fields = await invalidFields(await post({ first_name: ' ', last_name: 'x', email: 'bad', phone: 'bad' }))
    expect(fields).toEqual(expect.arrayContaining(['first_name', 'email', 'phone']))
  })

  test('a body that is not an object is 422; malformed JSON is 400', async () => {
    expect((await post([1, 2])).status).toBe(422)
    expect((await post('text')).status).toBe(422)
    const malformed = await testApp.request('POST', '/api/v2/customers', {
      token: user.token,
      body: '{"first_name":',
      headers: { 'content-type': 'application/json' },
    })
    expect(malformed.status).toBe(400)
  })

  test('limits are inclusive: 100-character names, 200 company, 10000 notes, 50 tags of 50', async () => {
    const created = await createCustomer(testApp, user.token, {
      first_name: 'f'.repeat(100),
      last_name: 'l'.repeat(100),
      company: 'c'.repeat(200),
      notes: 'n'.repeat(10_000),
      tags: Array.from({ length: 50 }, (_, i) => `${i}`.padEnd(50, 'x')),
    })
    expect(created.first_name.length).toBe(100)
    expect(created.tags.length).toBe(50)
  })

  test('failed writes change nothing', async () => {
    const before = await listCustomers(testApp, user.token)
    await post({ first_name: 'x', last_name: 'y', phone: 'nope' })
    await patch({ first_name: 'Changed', email: 'broken' })
    const after = await listCustomers(testApp, user.token)
    expect(after.total).toBe(before.total)
    const kept = await testApp.client(user).api.v2.customers({ id: existing.id }).get()
    expect(expectBody(kept, 200).first_name).toBe('Kept')
  })

  test('an empty email, phone, company or notes is stored as null', async () => {
    const created = await createCustomer(testApp, user.token, { email: '  ', phone: '', company: '', notes: '' })
    expect(created).toMatchObject({ email: null, phone: null, company: null, notes: null })
  })

  test('email keeps its case but is trimmed; international domains are accepted', async () => {
    expect((await createCustomer(testApp, user.token, { email: '  Mixed.Case+tag@Example.CO.uk ' })).email).toBe(
      'Mixed.Case+tag@Example.CO.uk',
    )
    expect((await createCustomer(testApp, user.token, { email: 'jose@münchen.de' })).email).toBe('jose@münchen.de')
  })

  for (const [input, expected] of [
    ['(415) 555-0143', '+14155550143'],
    ['415.555.0143', '+14155550143'],
    ['+1 415 555 0143', '+14155550143'],
    ['1-415-555-0143', '+14155550143'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+49 30 901820', '+4930901820'],
  ] as const) {
    test(`phone "${input}" is stored as ${expected} (DEFAULT_COUNTRY=US)`, async () => {
      expect((await createCustomer(testApp, user.token, { phone: input })).phone).toBe(expected)
    })
  }

  test('pagination: page and page_size out of range or not numbers → 422 naming the parameter', async () => {
    for (const [query, field] of [
      ['page=0', 'page'],
      ['page=-1', 'page'],
      ['page=abc', 'page'],
      ['page=1.5', 'page'],
      ['page=', 'page'],
      ['page=1000001', 'page'],
      ['page_size=0', 'page_size'],
      ['page_size=501', 'page_size'],
      ['page_size=x', 'page_size'],
      ['page_size=-5', 'page_size'],
      ['page_size=2.5', 'page_size'],
    ] as const) {
      const response = await testApp.request('GET', `/api/v2/customers?${query}`, { token: user.token })
      expect({ query, fields: await invalidFields(response) }).toEqual({ query, fields: expect.arrayContaining([field]) })
    }
  })

  test('pagination: page_size bounds 1 and 200 are accepted, pages slice the newest-first list', async () => {
    for (let i = 0; i < 5; i++) await createCustomer(testApp, user.token, { first_name: `Pager${i}`, company: 'PagingCo' })
    const all = await listCustomers(testApp, user.token, { search: 'pagingco', page_size: 200 })
    expect(all.total).toBe(5)
    expect(all.page_size).toBe(200)
    const one = await listCustomers(testApp, user.token, { search: 'pagingco', page_size: 1 })
    expect(one.items.length).toBe(1)
    const pages = []
    for (let page = 1; page <= 3; page++) pages.push(await listCustomers(testApp, user.token, { search: 'pagingco', page_size: 2, page }))
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1])
    expect(pages.flatMap((p) => p.items.map((c) => c.id))).toEqual(all.items.map((c) => c.id))
    expect(pages.every((p) => p.total === 5)).toBe(true)
    const beyond = await listCustomers(testApp, user.token, { search: 'pagingco', page: 50 })
    expect(beyond).toMatchObject({ items: [], total: 5, page: 50, page_size: 50 })
    const unfiltered = await listCustomers(testApp, user.token, { page: 1000000 })
    expect(unfiltered.items).toEqual([])
  })
})

describeEachDialect('customer phones with DEFAULT_COUNTRY=GB', (dialect) => {
  const testApp = useTestApp(dialect, { env: { DEFAULT_COUNTRY: 'GB' }, roles: ['user'] })
  const { user } = testApp.users

  test('national numbers are read as British; + numbers keep their country', async () => {
    expect((await createCustomer(testApp, user.token, { phone: '07700 900123' })).phone).toBe('+447700900123')
    expect((await createCustomer(testApp, user.token, { phone: '020 7946 0958' })).phone).toBe('+442079460958')
    expect((await createCustomer(testApp, user.token, { phone: '+1 415 555 0143' })).phone).toBe('+14155550143')
  })

  test('digits without + are read in the default country, and invalid ones are still refused', async () => {
    expect((await createCustomer(testApp, user.token, { phone: '(415) 555-0143' })).phone).toBe('+444155550143')
    const response = await testApp.request('POST', '/api/v2/customers', { token: user.token, json: { ...valid, phone: '123456' } })
    expect(await invalidFields(response)).toContain('phone')
  })

  test('search with a national number finds the E.164 one', async () => {
    const created = await createCustomer(testApp, user.token, { phone: '07700 900456' })
    const list = await listCustomers(testApp, user.token, { search: '07700 900456' })
    expect(list.items.map((c) => c.id)).toContain(created.id)
  })
})
