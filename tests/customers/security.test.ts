import { beforeAll, expect, test } from 'bun:test'
import { count } from 'drizzle-orm'
import { describeEachDialect, errorBody, expectBody, useTestApp } from '../helpers/harness'
import { createCustomer, listCustomers, type CustomerBody } from './fixtures'

// Driver, SQL and runtime vocabulary that must never reach a client.
const LEAKS = /sqlite|postgres|syntax error|SQLITE_|unterminated|column|relation|drizzle|select |stack|at \w+ \(|TypeError|RangeError|fts5/i

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE customers; --",
  '"; DROP TABLE customers; --',
  "Robert'); DROP TABLE customers;--",
  "1' UNION SELECT hashed_password, email FROM api_users --",
  '1 UNION SELECT * FROM api_users',
  "admin'--",
  '/* comment */ OR 1=1',
  '%" OR 1=1 --',
  '\\',
  "\\'",
  '%_%',
  'NEAR(a b) OR c* AND -d',
  'x\u0000y',
  '\u0000',
  '😀🎉👩‍👩‍👧‍👦',
  'مرحبا بالعالم',
  '\u202Egnp.exe',
  'ＳＥＬＥＣＴ',
  'a'.repeat(10_000),
]

describeEachDialect('customer permissions', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['user', 'admin', 'superuser'] })
  const { user, admin, superuser } = testApp.users
  let customer: CustomerBody

  beforeAll(async () => {
    customer = await createCustomer(testApp, user.token, { first_name: 'Perm', last_name: 'Itted' })
  })

  const routes = (id: number): [string, string, unknown?][] => [
    ['GET', '/api/v2/customers'],
    ['POST', '/api/v2/customers', { first_name: 'A', last_name: 'B' }],
    ['GET', `/api/v2/customers/${id}`],
    ['PATCH', `/api/v2/customers/${id}`, { notes: 'x' }],
    ['DELETE', `/api/v2/customers/${id}`],
    ['GET', `/api/v2/customers/${id}/communications`],
  ]

  test('every route needs a token: 401 "Could not validate credentials" with WWW-Authenticate', async () => {
    for (const [method, path, json] of routes(customer.id)) {
      for (const token of [undefined, 'not-a-jwt']) {
        const response = await testApp.request(method, path, { json, token })
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 })
        expect(response.headers.get('www-authenticate')).toBe('Bearer')
        expect((await errorBody(response)).detail).toBe('Could not validate credentials')
      }
    }
  })

  test('the auth check runs before body validation', async () => {
    const response = await testApp.request('POST', '/api/v2/customers', { json: { first_name: 5 } })
    expect(response.status).toBe(401)
  })

  test('a user may view and edit but not delete: 403 "Permission denied: requires delete_customers"', async () => {
    expect((await testApp.request('GET', '/api/v2/customers', { token: user.token })).status).toBe(200)
    expect((await testApp.request('GET', `/api/v2/customers/${customer.id}`, { token: user.token })).status).toBe(200)
    expect(
      (await testApp.request('PATCH', `/api/v2/customers/${customer.id}`, { token: user.token, json: { notes: 'by user' } })).status,
    ).toBe(200)
    expect((await testApp.request('GET', `/api/v2/customers/${customer.id}/communications`, { token: user.token })).status).toBe(200)
    for (const id of [customer.id, 999999]) {
      const response = await testApp.request('DELETE', `/api/v2/customers/${id}`, { token: user.token })
      expect(response.status).toBe(403)
      expect((await errorBody(response)).detail).toBe('Permission denied: requires delete_customers')
    }
    expect((await testApp.request('GET', `/api/v2/customers/${customer.id}`, { token: user.token })).status).toBe(200)
    const denied = await testApp.ctx.audit.list({ page: 1, pageSize: 50, action: 'permission.denied' })
    expect(denied.items.some((item) => item.user_id === user.id && item.target === `DELETE /api/v2/customers/${customer.id}`)).toBe(true)
  })

  test('admins and superusers may delete', async () => {
    for (const who of [admin, superuser]) {
      const target = await createCustomer(testApp, user.token, { first_name: 'To', last_name: 'Delete' })
      expect((await testApp.request('DELETE', `/api/v2/customers/${target.id}`, { token: who.token })).status).toBe(204)
    }
  })
})

describeEachDialect('customer injection and hostile input', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['user', 'admin'] })
  const { user, admin } = testApp.users
  let known: CustomerBody

  const customerCount = async () => {
    const [row] = await testApp.database.db.select({ value: count() }).from(testApp.database.tables.customers)
    return row!.value
  }
  const userCount = async () => {
    const [row] = await testApp.database.db.select({ value: count() }).from(testApp.database.tables.users)
    return row!.value
  }

  async function expectSafe(response: Response, label: string) {
    const text = await response.text()
    expect({ label, status: response.status < 500 }).toEqual({ label, status: true })
    expect(() => JSON.parse(text)).not.toThrow()
    const body: unknown = JSON.parse(text)
    if (response.status >= 400) {
      const problem = await errorBody(new Response(text))
      expect({ label, leak: LEAKS.test(problem.detail) }).toEqual({ label, leak: false })
      for (const error of problem.errors ?? []) expect({ label, leak: LEAKS.test(error.message) }).toEqual({ label, leak: false })
      return { status: response.status, body, fields: (problem.errors ?? []).map((e) => e.field) }
    }
    return { status: response.status, body, fields: [] }
  }

  beforeAll(async () => {
    known = await createCustomer(testApp, user.token, {
      first_name: 'Known',
      last_name: 'Row',
      email: 'known@example.com',
      phone: '+14155550160',
      company: 'Stable',
      tags: ['keep'],
    })
  })

  test('hostile search terms: no 5xx, no SQL in answers, nothing changes', async () => {
    const [customersBefore, usersBefore] = [await customerCount(), await userCount()]
    for (const term of INJECTIONS) {
      const response = await testApp.request('GET', `/api/v2/customers?search=${encodeURIComponent(term)}&page_size=5`, {
        token: user.token,
      })
      const { status, body } = await expectSafe(response, `search ${JSON.stringify(term.slice(0, 30))}`)
      expect([200, 422]).toContain(status)
      if (status === 200) {
        // Nothing stored matches these terms: injections must not widen the match.
        expect(body).toMatchObject({ total: 0 })
      }
    }
    expect(await customerCount()).toBe(customersBefore)
    expect(await userCount()).toBe(usersBefore)
  }, 60_000)

  test('hostile values in every field are stored verbatim or refused with 422, never executed', async () => {
    const before = await customerCount()
    let created = 0
    for (const value of INJECTIONS) {
      for (const field of ['first_name', 'last_name', 'email', 'phone', 'company', 'notes', 'tags']) {
        const json: Record<string, unknown> = { first_name: 'Inj', last_name: 'Ection', [field]: field === 'tags' ? [value] : value }
        const response = await testApp.request('POST', '/api/v2/customers', { token: user.token, json })
        const { status, body, fields } = await expectSafe(response, `${field}=${JSON.stringify(value.slice(0, 30))}`)
        expect([201, 422]).toContain(status)
        if (status === 201) {
          created++
          // The newest customer is the one just created: the answer is what was stored.
          const [customer] = (await listCustomers(testApp, user.token, { page_size: 1 })).items
          expect(body).toEqual(customer)
          const stored = field === 'tags' ? customer!.tags[0] : customer![field as keyof CustomerBody]
          expect(stored).toBe(value.trim())
          const read = await testApp.request('GET', `/api/v2/customers/${customer!.id}`, { token: user.token })
          expect(await read.json()).toEqual(customer)
        } else {
          expect(fields.some((f) => f === field || f.startsWith(`${field}.`))).toBe(true)
        }
        const patched = await testApp.request('PATCH', `/api/v2/customers/${known.id}`, {
          token: user.token,
          json: { [field]: json[field] },
        })
        const patchResult = await expectSafe(patched, `PATCH ${field}`)
        expect([200, 422]).toContain(patchResult.status)
        if (patchResult.status === 200) {
          // Put the known row back so the final check can compare it.
          await testApp.request('PATCH', `/api/v2/customers/${known.id}`, {
            token: user.token,
            json: {
              first_name: 'Known',
              last_name: 'Row',
              email: 'known@example.com',
              phone: '+14155550160',
              company: 'Stable',
              tags: ['keep'],
              notes: null,
            },
          })
        }
      }
    }
    expect(created).toBeGreaterThan(20)
    expect(await customerCount()).toBe(before + created)
    const { updated_at: _u, ...rest } = expectBody(await testApp.client(user).api.v2.customers({ id: known.id }).get(), 200)
    const { updated_at: _k, ...expected } = known
    expect(rest).toEqual(expected)
  }, 120_000)

  test('names with quotes and emoji round-trip and are searchable as typed', async () => {
    const customer = await createCustomer(testApp, user.token, {
      first_name: "O'Brien",
      last_name: 'Zoë 😀',
      company: 'Bobby"; DROP TABLE customers;--',
    })
    const find = async (term: string) => (await listCustomers(testApp, user.token, { search: term })).items.map((c) => c.id)
    expect(await find("o'brien")).toEqual([customer.id])
    expect(await find('zoë 😀')).toEqual([customer.id])
    // Earlier tests stored other injection strings too: this one must be among the matches.
    expect(await find('bobby"; drop table')).toEqual([customer.id])
    // A lone apostrophe has no letter or digit: it searches for nothing.
    expect(await find("'")).toEqual([])
  })

  test('hostile ids and query parameters: no 5xx', async () => {
    const ids = ["1' OR '1'='1", '1;DROP TABLE customers', '1 UNION SELECT 1', '../1', '%00', '1%00', '😀', '0x1', '1e999', '-0']
    for (const id of ids) {
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const response = await testApp.request(method, `/api/v2/customers/${encodeURIComponent(id)}`, {
          token: admin.token,
          json: method === 'PATCH' ? { notes: 'x' } : undefined,
        })
        const { status } = await expectSafe(response, `${method} id ${id}`)
        expect([404, 422]).toContain(status)
      }
    }
    for (const query of [
      "page=1'--",
      'page_size=1;DROP',
      'page=1e999',
      'page=NaN',
      'page=Infinity',
      'page_size=%00',
      'page=99999999999999999999',
    ]) {
      const response = await testApp.request('GET', `/api/v2/customers?${query}`, { token: user.token })
      const { status } = await expectSafe(response, query)
      expect(status).toBe(422)
    }
    expect((await testApp.request('GET', `/api/v2/customers/${known.id}`, { token: user.token })).status).toBe(200)
  })
})
