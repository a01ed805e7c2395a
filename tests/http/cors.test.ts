import { describe, expect, test } from 'bun:test'
import { createTestApp, useTestApp } from '../helpers/harness'

const ALLOWED = 'https://app.example.com'
const ALSO = 'http://localhost:5173'

describe('CORS from FRONTEND_URL', () => {
  const testApp = useTestApp('sqlite', { env: { FRONTEND_URL: `${ALLOWED}, ${ALSO}` } })

  test('an allowed origin is echoed with credentials, on successes and errors', async () => {
    for (const origin of [ALLOWED, ALSO]) {
      for (const path of ['/health', '/api/v2/auth/me', '/nowhere']) {
        const response = await testApp.request('GET', path, { headers: { origin } })
        expect(response.headers.get('access-control-allow-origin')).toBe(origin)
        expect(response.headers.get('access-control-allow-credentials')).toBe('true')
        expect(response.headers.get('vary')).toContain('Origin')
      }
    }
  }, 20_000)

  test('other origins get no allow header', async () => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.com', 'null', 'http://app.example.com']) {
      const response = await testApp.request('GET', '/health', { headers: { origin } })
      expect(response.status).toBe(200)
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
      expect(response.headers.get('access-control-allow-credentials')).toBeNull()
      expect(response.headers.get('vary')).toContain('Origin')
    }
  }, 20_000)

  test('a preflight from an allowed origin is 204 with methods, headers and max-age', async () => {
    const response = await testApp.request('OPTIONS', '/api/v2/customers/1', {
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization, content-type',
      },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED)
    expect(response.headers.get('access-control-allow-credentials')).toBe('true')
    expect(response.headers.get('access-control-allow-methods')).toContain('PATCH')
    const allowedHeaders = response.headers.get('access-control-allow-headers')!.toLowerCase()
    for (const header of ['authorization', 'content-type', 'x-request-id']) expect(allowedHeaders).toContain(header)
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-request-id')).toBeTruthy()
  }, 20_000)

  test('a preflight from another origin gets no allow headers', async () => {
    const response = await testApp.request('OPTIONS', '/api/v2/customers/1', {
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'DELETE' },
    })
    expect(response.status).toBe(204)
    for (const header of [
      'access-control-allow-origin',
      'access-control-allow-credentials',
      'access-control-allow-methods',
      'access-control-allow-headers',
    ]) {
      expect(response.headers.get(header)).toBeNull()
    }
  }, 20_000)
})

describe('FRONTEND_URL=*', () => {
  test('any origin may read, but never with credentials and never as an echo', async () => {
    const testApp = await createTestApp('sqlite', { env: { FRONTEND_URL: '*' } })
    try {
      const response = await testApp.request('GET', '/health', { headers: { origin: 'https://anywhere.example' } })
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(response.headers.get('access-control-allow-credentials')).toBeNull()
      const preflight = await testApp.request('OPTIONS', '/api/v2/auth/me', {
        headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'GET' },
      })
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull()
    } finally {
      await testApp.close()
    }
  }, 20_000)
})

describe('preflights are logged and counted like other requests', () => {
  test('one request line with route "preflight"', async () => {
    const testApp = await createTestApp('sqlite')
    try {
      const response = await testApp.request('OPTIONS', '/api/v2/customers/7', {
        headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'x-request-id': 'preflight-1' },
      })
      expect(response.status).toBe(204)
      const lines = testApp.logs.entries().filter((e) => e.msg === 'request' && e.requestId === 'preflight-1')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({ method: 'OPTIONS', route: 'preflight', status: 204 })
      const metrics = await (await testApp.request('GET', '/metrics')).text()
      expect(metrics).toContain('crm_http_requests_total{method="OPTIONS",route="preflight",status="204"} 1')
    } finally {
      await testApp.close()
    }
  }, 20_000)
})
