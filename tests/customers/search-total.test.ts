import { beforeAll, expect, test } from 'bun:test'
import { createTestApp, describeEachDialect, useTestApp } from '../helpers/harness'
import { LIST_TOTAL_CAP, SEARCH_TOTAL_CAP, customerSearchText } from '../../src/customers/search'
import { listCustomers } from './fixtures'

const MATCHING = SEARCH_TOTAL_CAP + 30

describeEachDialect('customer search totals past the cap', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['user'], timeout: 30_000 })
  const { user } = testApp.users
  beforeAll(async () => {
    // Straight into the table: a thousand API calls would only slow the test down.
    const { customers } = testApp.database.tables
    const now = new Date()
    const rows = Array.from({ length: MATCHING + 5 }, (_, i) => {
      const fields = { firstName: i < MATCHING ? 'Zebulon' : 'Other', lastName: `Q${i}`, email: null, phone: null, company: null }
      return { ...fields, searchText: customerSearchText(fields), createdAt: now, updatedAt: now }
    })
    for (let i = 0; i < rows.length; i += 200) await testApp.database.db.insert(customers).values(rows.slice(i, i + 200))
  }, 30_000)

  const search = (query: Parameters<typeof listCustomers>[2]) => listCustomers(testApp, user.token, query)

  test('a term matching more than the cap: total is the cap and says it is an estimate', async () => {
    const page = await search({ search: 'zebulon', page_size: 20 })
    expect(page.items).toHaveLength(20)
    expect(page.total).toBe(SEARCH_TOTAL_CAP)
    expect(page.total_is_estimate).toBe(true)
  })

  test('paging past the cap still works and the total never falls behind the page', async () => {
    const page = await search({ search: 'zebulon', page_size: 20, page: SEARCH_TOTAL_CAP / 20 + 1 })
    expect(page.items).toHaveLength(20)
    expect(page.total).toBe(SEARCH_TOTAL_CAP + 20)
    expect(page.total_is_estimate).toBe(true)
  })

  test('the last page is exact', async () => {
    const page = await search({ search: 'zebulon', page_size: 50, page: Math.ceil(MATCHING / 50) })
    expect(page.total).toBe(MATCHING)
    expect(page.total_is_estimate).toBe(false)
  })

  test('a term under the cap and the plain list are exact', async () => {
    const few = await search({ search: 'other', page_size: 2 })
    expect(few.total).toBe(5)
    expect(few.total_is_estimate).toBe(false)
    const all = await search({ page_size: 20 })
    expect(all.total).toBe(MATCHING + 5)
    expect(all.total_is_estimate).toBe(false)
  })

  test('two-letter terms (a scan on SQLite) are capped the same way', async () => {
    const page = await search({ search: 'ze', page_size: 20 })
    expect(page.total).toBe(SEARCH_TOTAL_CAP)
    expect(page.total_is_estimate).toBe(true)
  })
})

describeEachDialect('customer list total past its cap', (dialect) => {
  test('the plain list stops counting at its cap, the same on both databases; its last page is exact', async () => {
    const testApp = await createTestApp(dialect)
    try {
      const user = await testApp.createUser('user')
      const { customers } = testApp.database.tables
      const now = new Date()
      const total = LIST_TOTAL_CAP + 25
      for (let i = 0; i < total; i += 500) {
        const rows = Array.from({ length: Math.min(500, total - i) }, (_, j) => {
          const fields = { firstName: 'Many', lastName: `R${i + j}`, email: null, phone: null, company: null }
          return { ...fields, searchText: customerSearchText(fields), createdAt: now, updatedAt: now }
        })
        await testApp.database.db.insert(customers).values(rows)
      }
      const first = await listCustomers(testApp, user.token, { page_size: 20 })
      expect(first.total).toBe(LIST_TOTAL_CAP)
      expect(first.total_is_estimate).toBe(true)
      const last = await listCustomers(testApp, user.token, { page_size: 500, page: Math.ceil(total / 500) })
      expect(last.total).toBe(total)
      expect(last.total_is_estimate).toBe(false)
    } finally {
      await testApp.close()
    }
  }, 60_000)
})

describeEachDialect('a customer page keeps its documented key order', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['user'] })
  const { user } = testApp.users

  test('items, total, total_is_estimate, page, page_size: with and without a search', async () => {
    await testApp.request('POST', '/api/v2/customers', { token: user.token, json: { first_name: 'Keyorder', last_name: 'Case' } })
    for (const query of ['', '?search=keyorder']) {
      const body = (await (await testApp.request('GET', `/api/v2/customers${query}`, { token: user.token })).json()) as object
      expect(Object.keys(body)).toEqual(['items', 'total', 'total_is_estimate', 'page', 'page_size'])
    }
  })
})
