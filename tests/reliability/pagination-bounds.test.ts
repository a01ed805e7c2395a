import { beforeAll, expect, test } from 'bun:test'
import { describeEachDialect, errorBody, expectBody, useTestApp } from '../helpers/harness'

const EXTREMES = ['1e20', '99999999999999999999', '9007199254740993', '1000001', '-1', '0', 'Infinity', '1e309', '1.5', '']

/**
 * Regression: GET /admin/users and /admin/audit had no upper bound on `page`, so
 * page=1e20 became an OFFSET the database refused: 500. Every GET list route
 * (any route answering {items, total, page, page_size}) is probed, so a new
 * list route without a bound is caught too.
 */
describeEachDialect('page and page_size extremes on every list route', (dialect) => {
  const testApp = useTestApp(dialect, { env: { LOG_LEVEL: 'silent' }, timeout: 30_000 })
  let token: string
  let listRoutes: string[]

  beforeAll(async () => {
    token = (await testApp.createUser('superuser')).token
    const created = await testApp.client(token).api.v2.customers.post({ first_name: 'Page', last_name: 'Bounds' })
    const { id } = expectBody(created, 201)
    listRoutes = []
    for (const route of testApp.app.routes) {
      if (route.method !== 'GET' || !route.path.startsWith('/api/v2/')) continue
      const path = route.path.replace(/:[a-z_]+/g, String(id))
      const probe = await testApp.request('GET', path, { token })
      const body: unknown = await probe.json().catch(() => ({}))
      const isPage = typeof body === 'object' && body !== null && 'page_size' in body && 'items' in body && Array.isArray(body.items)
      if (probe.status === 200 && isPage) listRoutes.push(path)
    }
    // One probe per GET route, each a fresh query: generous on a shared CI machine.
  }, 30_000)

  test('the list routes were found', () => {
    expect(listRoutes).toEqual(
      expect.arrayContaining(['/api/v2/customers/', '/api/v2/admin/users/', '/api/v2/admin/audit', '/api/v2/communications/history']),
    )
  })

  test('out-of-range or non-numeric page / page_size: 422 with a detail, never 5xx', async () => {
    const problems: string[] = []
    for (const path of listRoutes) {
      for (const name of ['page', 'page_size']) {
        for (const value of EXTREMES) {
          const response = await testApp.request('GET', `${path}?${name}=${encodeURIComponent(value)}`, { token })
          const described = await errorBody(response).then(
            () => true,
            () => false,
          )
          if (response.status !== 422 || !described) problems.push(`${path}?${name}=${value}: ${response.status}`)
        }
      }
      // The largest allowed page is an empty page, not an error.
      const last = await testApp.request('GET', `${path}?page=1000000&page_size=200`, { token })
      if (last.status !== 200) problems.push(`${path} last page: ${last.status}`)
    }
    expect(problems).toEqual([])
  })
})
