import { afterAll, describe, expect, test } from 'bun:test'
import { createTestApp, type TestApp } from '../helpers/harness'

const DOCS_PATHS = ['/docs', '/redoc', '/openapi.json']
const PRODUCTION = { ENVIRONMENT: 'production', PUBLIC_URL: 'https://api.example.com' }

describe('production defaults', () => {
  const apps: TestApp[] = []
  const app = async (env: Record<string, string>) => {
    const t = await createTestApp('sqlite', { env })
    apps.push(t)
    return t
  }
  afterAll(async () => {
    for (const t of apps) await t.close()
  })

  test('docs and metrics are off in production unless asked for: 404 like any unknown path', async () => {
    const t = await app(PRODUCTION)
    for (const path of [...DOCS_PATHS, '/metrics']) {
      const response = await t.request('GET', path)
      expect(response.status, path).toBe(404)
      expect(await response.json()).toEqual({ detail: 'Not Found' })
    }
    expect((await t.request('GET', '/health')).status).toBe(200)
  })

  test('DOCS_ENABLED=true turns the docs on in production', async () => {
    const t = await app({ ...PRODUCTION, DOCS_ENABLED: 'true' })
    for (const path of DOCS_PATHS) expect((await t.request('GET', path)).status, path).toBe(200)
  })

  test('METRICS_TOKEN turns /metrics on in production, behind the bearer token', async () => {
    const t = await app({ ...PRODUCTION, METRICS_TOKEN: 'scrape-token-for-tests' })
    expect((await t.request('GET', '/metrics')).status).toBe(401)
    expect((await t.request('GET', '/metrics', { headers: { authorization: 'Bearer scrape-token-for-tests' } })).status).toBe(200)
  })

  test('development keeps docs and an open /metrics', async () => {
    const t = await app({ ENVIRONMENT: 'development' })
    for (const path of [...DOCS_PATHS, '/metrics']) expect((await t.request('GET', path)).status, path).toBe(200)
  })
})
