import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config'
import { createTestApp, useTestApp } from '../helpers/harness'
import { cookiesOf } from '../security/support'
import { SPA_ORIGIN, SPA_PREFLIGHT_HEADERS, SPA_PREFLIGHT_HEADERS_FULL, spaHeaders } from './spa'

function allowedHeaders(response: Response): string[] {
  return (response.headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim().toLowerCase())
}

describe('the SPA’s CORS preflights', () => {
  const testApp = useTestApp('sqlite', { env: { FRONTEND_URL: SPA_ORIGIN, CORS_ALLOW_HEADERS: 'X-Tenant-ID, x-trace' } })

  test('every header its axios client sends is allowed, whatever its case', async () => {
    for (const [method, path, requested] of [
      ['POST', '/api/v2/auth/login', 'content-type,x-correlation-id,x-request-id'],
      ['GET', '/api/v2/auth/me', SPA_PREFLIGHT_HEADERS],
      ['PATCH', '/api/v2/admin/users/3', SPA_PREFLIGHT_HEADERS_FULL],
      ['DELETE', '/api/v2/admin/users/3', 'Authorization, X-Correlation-ID, X-Request-ID, X-CSRF-Token, X-Entity-ID, Accept'],
    ] as const) {
      const response = await testApp.request('OPTIONS', path, {
        headers: { origin: SPA_ORIGIN, 'access-control-request-method': method, 'access-control-request-headers': requested },
      })
      expect(response.status).toBe(204)
      expect(response.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN)
      expect(response.headers.get('access-control-allow-credentials')).toBe('true')
      expect(response.headers.get('access-control-allow-methods')).toContain(method)
      const allowed = allowedHeaders(response)
      for (const header of requested.split(',')) expect(allowed).toContain(header.trim().toLowerCase())
      expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0)
    }
  })

  test('CORS_ALLOW_HEADERS adds to the list', async () => {
    const response = await testApp.request('OPTIONS', '/api/v2/auth/me', {
      headers: { origin: SPA_ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-tenant-id,x-trace' },
    })
    const allowed = allowedHeaders(response)
    expect(allowed).toContain('x-tenant-id')
    expect(allowed).toContain('x-trace')
    expect(allowed).toContain('x-correlation-id')
  })

  test('answers expose the headers the SPA may read', async () => {
    const response = await testApp.request('POST', '/api/v2/auth/login', {
      headers: spaHeaders({ json: true }),
      body: JSON.stringify({ email: 'nobody@example.com', password: 'not the password' }),
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN)
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(',').map((h) => h.trim().toLowerCase())
    for (const header of ['x-request-id', 'retry-after', 'ratelimit', 'ratelimit-policy']) expect(exposed).toContain(header)
  })
})

describe('COOKIE_SAMESITE', () => {
  const env = (extra: Record<string, string>) => ({
    DATA_DIR: '/tmp/crm-samesite',
    SECRET_KEY: 'q7#Lm2@xV9!pR4$wT8^zK1&nB6*cY3(hJ5)' + 'fD0',
    ...extra,
  })

  test('lax by default; strict and none (with Secure cookies in production) may be chosen', () => {
    expect(loadConfig(env({})).cookieSameSite).toBe('lax')
    expect(loadConfig(env({ COOKIE_SAMESITE: 'Strict' })).cookieSameSite).toBe('strict')
    expect(loadConfig(env({ COOKIE_SAMESITE: 'none', ENVIRONMENT: 'production' })).cookieSameSite).toBe('none')
  })

  test('none without Secure cookies, or an unknown value, stops start-up naming the variable', () => {
    expect(() => loadConfig(env({ COOKIE_SAMESITE: 'none' }))).toThrow('COOKIE_SAMESITE')
    expect(() => loadConfig(env({ COOKIE_SAMESITE: 'sometimes' }))).toThrow('COOKIE_SAMESITE')
  })

  test('CORS_ALLOW_HEADERS must list header names', () => {
    expect(loadConfig(env({ CORS_ALLOW_HEADERS: 'X-One,X-Two' })).corsAllowHeaders).toEqual(['X-One', 'X-Two'])
    expect(() => loadConfig(env({ CORS_ALLOW_HEADERS: 'X-One, bad header' }))).toThrow('CORS_ALLOW_HEADERS')
  })

  test('the session and refresh cookies carry the chosen SameSite', async () => {
    const testApp = await createTestApp('sqlite', { env: { COOKIE_SAMESITE: 'strict' } })
    try {
      const user = await testApp.createUser('user')
      const response = await testApp.request('POST', '/api/v2/auth/login', {
        headers: spaHeaders({ json: true }),
        body: JSON.stringify({ email: user.email, password: user.password }),
      })
      expect(response.status).toBe(200)
      const cookies = cookiesOf(response)
      expect(cookies.session!.attributes).toContain('SameSite=Strict')
      expect(cookies.refresh!.attributes).toContain('SameSite=Strict')
    } finally {
      await testApp.close()
    }
  })
})
