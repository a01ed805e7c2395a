import { describe, expect, test } from 'bun:test'
import { describeEachDialect, errorBody, useTestApp } from '../helpers/harness'

/** The value of one sample line, e.g. crm_http_requests_total{method="GET",route="/health",status="200"}. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const body = line.slice(name.length + 1, line.lastIndexOf('}'))
    const found = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return 0
}

/** The after-response hook runs once the answer is out; give it a turn. */
const settle = () => Bun.sleep(20)

describeEachDialect('/metrics', (dialect) => {
  const testApp = useTestApp(dialect)

  test('Prometheus text with requests by route pattern and status, and the denial counters', async () => {
    const user = await testApp.createUser('user')
    await testApp.request('GET', '/health')
    await testApp.request('GET', '/health')
    await testApp.request('GET', '/api/v2/auth/me')
    await testApp.request('GET', '/api/v2/admin/users', { token: user.token })
    await testApp.request('GET', '/api/v2/customers/12345', { token: user.token })
    await testApp.request('GET', '/totally/unknown/abc')
    await settle()
    const response = await testApp.request('GET', '/metrics')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/plain')
    const text = await response.text()
    expect(text).toContain('# TYPE crm_http_requests_total counter')
    expect(sample(text, 'crm_http_requests_total', { method: 'GET', route: '/health', status: '200' })).toBe(2)
    expect(sample(text, 'crm_http_requests_total', { route: '/api/v2/auth/me', status: '401' })).toBe(1)
    expect(sample(text, 'crm_http_requests_total', { status: '403' })).toBe(1)
    // The pattern, not the concrete id; unknown paths share one label.
    expect(text).not.toContain('12345')
    expect(text).not.toContain('/totally/unknown')
    expect(sample(text, 'crm_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1)
    expect(sample(text, 'crm_auth_failures_total', { reason: 'missing' })).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'crm_forbidden_total', { reason: 'permission' })).toBe(1)
    for (const name of [
      'crm_rate_limited_total',
      'crm_webhook_signature_failures_total',
      'crm_messages_total',
      'crm_http_request_duration_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name}`)
    }
  }, 20_000)
})

describe('METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789abcdef'
  const testApp = useTestApp('sqlite', { env: { METRICS_TOKEN: token } })

  test.each([
    ['no header', {}],
    ['wrong token', { authorization: 'Bearer metrics-token-0123456789abcdeX' }],
    ['prefix of the token', { authorization: 'Bearer metrics-token' }],
    ['not bearer', { authorization: `Basic ${token}` }],
  ])(
    '%s → 401',
    async (_label, headers) => {
      const response = await testApp.request('GET', '/metrics', { headers })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
      expect((await errorBody(response)).detail).toBeString()
    },
    20_000,
  )

  test('the right bearer token → 200', async () => {
    const response = await testApp.request('GET', '/metrics', { headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('crm_http_requests_total')
  }, 20_000)
})
