import { expect, test } from 'bun:test'
import { describeEachDialect, useTestApp } from '../helpers/harness'

const settle = () => Bun.sleep(20)

describeEachDialect('one JSON log line per request', (dialect) => {
  const testApp = useTestApp(dialect)

  function requestLines(requestId: string) {
    return testApp.logs.entries().filter((entry) => entry.msg === 'request' && entry.requestId === requestId)
  }

  test('method, route pattern, status, ms, request id and the user id when authenticated', async () => {
    const user = await testApp.createUser('user')
    const response = await testApp.request('GET', '/api/v2/auth/me', { token: user.token, headers: { 'x-request-id': 'log-test-1' } })
    expect(response.status).toBe(200)
    await settle()
    const lines = requestLines('log-test-1')
    expect(lines).toHaveLength(1)
    const line = lines[0]!
    expect(line).toMatchObject({ level: 'info', method: 'GET', route: '/api/v2/auth/me', status: 200, userId: user.id })
    expect(typeof line.ms).toBe('number')
    expect(line.ms as number).toBeGreaterThanOrEqual(0)
  }, 20_000)

  test('errors are logged too, with the pattern and without the concrete path', async () => {
    const user = await testApp.createUser('user')
    const cases: [string, string, number, string][] = [
      ['GET', '/api/v2/auth/me', 401, '/api/v2/auth/me'],
      ['GET', '/api/v2/customers/987654', 404, '/api/v2/customers/:id'],
      ['GET', '/api/v2/admin/users/', 403, '/api/v2/admin/users/'],
      ['GET', '/secret-scan/wp-admin.php?x=1', 404, 'unmatched'],
      ['DELETE', '/health', 405, 'unmatched'],
    ]
    for (const [i, [method, path, status, route]] of cases.entries()) {
      const id = `log-err-${i}`
      const response = await testApp.request(method, path, {
        headers: { 'x-request-id': id },
        token: status === 401 ? undefined : user.token,
      })
      expect(response.status).toBe(status)
      await settle()
      const lines = requestLines(id)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({ method, status, route })
    }
    expect(testApp.logs.text).not.toContain('987654')
    expect(testApp.logs.text).not.toContain('wp-admin')
  }, 20_000)

  test('a refusal after sign-in names the user it refused', async () => {
    const user = await testApp.createUser('user')
    const response = await testApp.request('GET', '/api/v2/admin/users/', { token: user.token, headers: { 'x-request-id': 'log-denied' } })
    expect(response.status).toBe(403)
    await settle()
    expect(requestLines('log-denied')).toEqual([expect.objectContaining({ status: 403, userId: user.id })])
  }, 20_000)
})
