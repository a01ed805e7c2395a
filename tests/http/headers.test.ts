import { describe, expect, test } from 'bun:test'
import { createTestApp, describeEachDialect, errorBody, useTestApp } from '../helpers/harness'
import { API_CSP, DOCS_CSP, HSTS } from '../../src/http/security-headers'

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

function expectSecurityHeaders(response: Response, csp = API_CSP) {
  for (const [name, value] of Object.entries(SECURITY)) expect(response.headers.get(name)).toBe(value)
  expect(response.headers.get('content-security-policy')).toBe(csp)
  expect(response.headers.get('x-request-id')).toBeTruthy()
}

describeEachDialect('security headers on every response', (dialect) => {
  const testApp = useTestApp(dialect, { env: { MAX_BODY_BYTES: '100' } })

  test.each([
    ['GET', '/health', 200],
    ['GET', '/no/such/route', 404],
    ['DELETE', '/health', 405],
    ['GET', '/api/v2/auth/me', 401],
    ['GET', '/openapi.json', 200],
    ['GET', '/metrics', 200],
  ])(
    '%s %s → %d',
    async (method, path, status) => {
      const response = await testApp.request(method, path)
      expect(response.status).toBe(status)
      expectSecurityHeaders(response)
      expect(response.headers.get('strict-transport-security')).toBeNull()
    },
    20_000,
  )

  test('413 from the body limit carries them and a JSON detail', async () => {
    const response = await testApp.request('POST', '/api/v2/auth/login', { json: { email: 'a@example.com', password: 'x'.repeat(200) } })
    expect(response.status).toBe(413)
    expectSecurityHeaders(response)
    expect(await response.json()).toEqual({ detail: 'Request body too large' })
  }, 20_000)

  test('422 and 400 answers carry them', async () => {
    const invalid = await testApp.request('POST', '/api/v2/auth/login', { json: { email: 1 } })
    expect(invalid.status).toBe(422)
    expectSecurityHeaders(invalid)
    const malformed = await testApp.request('POST', '/api/v2/auth/login', {
      body: '{not json',
      headers: { 'content-type': 'application/json' },
    })
    expect(malformed.status).toBe(400)
    expectSecurityHeaders(malformed)
    expect(typeof (await errorBody(malformed)).detail).toBe('string')
  }, 20_000)

  test('the docs pages get the docs CSP, which still forbids framing and inline script', async () => {
    for (const path of ['/docs', '/redoc', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/redoc.standalone.js']) {
      const response = await testApp.request('GET', path)
      expect(response.status).toBe(200)
      expectSecurityHeaders(response, DOCS_CSP)
    }
    expect(DOCS_CSP).toContain("frame-ancestors 'none'")
    expect(DOCS_CSP).toMatch(/script-src 'self'(;|$)/)
  }, 20_000)

  test('everything under /api/v2/auth is no-store, errors included', async () => {
    for (const [method, path] of [
      ['POST', '/api/v2/auth/login'],
      ['GET', '/api/v2/auth/me'],
      ['GET', '/api/v2/auth/no-such-thing'],
      ['POST', '/api/v2/auth/refresh'],
    ] as const) {
      const response = await testApp.request(method, path, method === 'POST' ? { json: {} } : {})
      expect(response.status).toBeGreaterThanOrEqual(400)
      expect(response.headers.get('cache-control')).toBe('no-store')
    }
    expect((await testApp.request('GET', '/health')).headers.get('cache-control')).toBeNull()
  }, 20_000)
})

describe('HSTS', () => {
  test('only in production', async () => {
    const prod = await createTestApp('sqlite', { env: { ENVIRONMENT: 'production', DOCS_ENABLED: 'false' } })
    try {
      for (const path of ['/health', '/nowhere']) {
        const response = await prod.request('GET', path)
        expect(response.headers.get('strict-transport-security')).toBe(HSTS)
        expectSecurityHeaders(response)
      }
    } finally {
      await prod.close()
    }
  }, 20_000)
})

describe('request id', () => {
  const testApp = useTestApp('sqlite', { env: { MAX_BODY_BYTES: '10' } })

  test('generated when absent, unique per request', async () => {
    const a = (await testApp.request('GET', '/health')).headers.get('x-request-id')
    const b = (await testApp.request('GET', '/health')).headers.get('x-request-id')
    expect(a).toMatch(/^[0-9a-f-]{36}$/)
    expect(a).not.toBe(b)
  }, 20_000)

  test('a sane incoming X-Request-Id is echoed, also on errors raised before routing', async () => {
    for (const [method, path, body] of [
      ['GET', '/health', undefined],
      ['GET', '/missing', undefined],
      ['POST', '/api/v2/auth/login', JSON.stringify({ email: 'someone@example.com' })],
    ] as const) {
      const response = await testApp.request(method, path, {
        headers: { 'x-request-id': 'trace-123.abc:1', 'content-type': 'application/json' },
        body,
      })
      expect(response.headers.get('x-request-id')).toBe('trace-123.abc:1')
    }
  }, 20_000)

  test('an unsafe incoming id is replaced', async () => {
    const response = await testApp.request('GET', '/health', { headers: { 'x-request-id': 'bad id\twith spaces' } })
    expect(response.headers.get('x-request-id')).not.toContain(' ')
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  }, 20_000)
})

describeEachDialect('every registered route answers with the headers, never a 500, even unauthenticated and bodiless', (dialect) => {
  test('all routes', async () => {
    const testApp = await createTestApp(dialect, { env: { TWILIO_AUTH_TOKEN: 'some-token-for-webhooks' } })
    try {
      const seen: string[] = []
      for (const route of testApp.app.routes) {
        const path = route.path.replace(/:[^/]+/g, '1')
        for (const options of [{}, { json: {} }, { headers: { origin: 'https://evil.example.com', cookie: 'session=forged' } }]) {
          const response = await testApp.request(route.method, path, options)
          seen.push(`${route.method} ${route.path} ${response.status}`)
          expect(response.status, `${route.method} ${route.path}`).toBeLessThan(500)
          const csp = route.path.startsWith('/docs') || route.path === '/redoc' ? DOCS_CSP : API_CSP
          expectSecurityHeaders(response, csp)
          if (route.path.startsWith('/api/v2/auth/')) expect(response.headers.get('cache-control')).toBe('no-store')
        }
      }
      expect(seen.length).toBeGreaterThan(30)
    } finally {
      await testApp.close()
    }
  }, 60_000)
})
