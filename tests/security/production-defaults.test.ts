import { afterAll, describe, expect, test } from 'bun:test'
import { createTestApp, type OwnedTestApp } from '../helpers/harness'

const DOCS_PATHS = ['/docs', '/redoc', '/openapi.json']
const PRODUCTION = { ENVIRONMENT: 'production', PUBLIC_URL: 'https://api.example.com' }

describe('production defaults', () => {
  const apps: OwnedTestApp[] = []
  const app = async (env: Record<string, string>) => {
    const testApp = await createTestApp('sqlite', { env })
    apps.push(testApp)
    return testApp
  }
  afterAll(async () => {
    for (const testApp of apps) await testApp.close()
  })

  test('docs and metrics are off in production unless asked for: 404 like any unknown path', async () => {
    const testApp = await app(PRODUCTION)
    for (const path of [...DOCS_PATHS, '/metrics']) {
      const response = await testApp.request('GET', path)
      expect(response.status, path).toBe(404)
      expect(await response.json()).toEqual({ detail: 'Not Found' })
    }
    expect((await testApp.request('GET', '/health')).status).toBe(200)
  })

  test('DOCS_ENABLED=true turns the docs on in production', async () => {
    const testApp = await app({ ...PRODUCTION, DOCS_ENABLED: 'true' })
    for (const path of DOCS_PATHS) expect((await testApp.request('GET', path)).status, path).toBe(200)
  })

  test('METRICS_TOKEN turns /metrics on in production, behind the bearer token', async () => {
    const testApp = await app({ ...PRODUCTION, METRICS_TOKEN: 'scrape-token-for-tests' })
    expect((await testApp.request('GET', '/metrics')).status).toBe(401)
    expect((await testApp.request('GET', '/metrics', { headers: { authorization: 'Bearer scrape-token-for-tests' } })).status).toBe(200)
  })

  test('development keeps docs and an open /metrics', async () => {
    const testApp = await app({ ENVIRONMENT: 'development' })
    for (const path of [...DOCS_PATHS, '/metrics']) expect((await testApp.request('GET', path)).status, path).toBe(200)
  })
})
