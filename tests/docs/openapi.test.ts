import { beforeAll, describe, expect, test } from 'bun:test'
import { createTestApp, expectBody, useTestApp } from '../helpers/harness'

interface Operation {
  summary?: string
  tags?: string[]
  security?: Record<string, string[]>[]
  requestBody?: { content: Record<string, { schema: unknown }> }
  responses?: Record<string, unknown>
}
interface OpenApiDocument {
  openapi: string
  info: { title: string; version: string }
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, Record<string, string>>; schemas: Record<string, unknown> }
}

/** The docs' own pages and assets are not API routes. */
const DOCS_ROUTES = new Set(['/docs', '/redoc', '/openapi.json', '/docs/assets/:name'])

function openApiPath(path: string): string {
  return path.replace(/:([^/]+)/g, '{$1}').replace(/(.)\/+$/, '$1')
}

describe('/openapi.json', () => {
  const testApp = useTestApp('sqlite')
  let doc: OpenApiDocument
  beforeAll(async () => {
    const response = await testApp.request('GET', '/openapi.json')
    expect(response.status).toBe(200)
    doc = (await response.json()) as OpenApiDocument
  })

  test('describes every route registered on the app, with a summary and tags', () => {
    const routes = testApp.app.routes.filter((route) => !DOCS_ROUTES.has(route.path))
    expect(routes.length).toBeGreaterThan(5)
    const missing: string[] = []
    for (const route of routes) {
      const operation = doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()]
      if (!operation) {
        missing.push(`${route.method} ${route.path}`)
        continue
      }
      expect(operation.summary, `${route.method} ${route.path} has no summary`).toBeString()
      expect(operation.tags?.length, `${route.method} ${route.path} has no tags`).toBeGreaterThan(0)
      expect(Object.keys(operation.responses ?? {}).length, `${route.method} ${route.path} documents no response`).toBeGreaterThan(0)
    }
    expect(missing).toEqual([])
    for (const path of Object.keys(doc.paths)) expect(path).not.toMatch(/^\/(docs|redoc|openapi\.json)/)
  })

  test('names the API and its version', async () => {
    expect(doc.openapi).toStartWith('3.1')
    expect(doc.info.title).toBe('CRM API')
    const health = expectBody(await testApp.client().health.get(), 200)
    expect(doc.info.version).toBe(health.version)
  })

  test('declares bearer and session-cookie security and applies it to protected routes', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.components.securitySchemes.cookieAuth).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'session' })
    const me = doc.paths['/api/v2/auth/me']!.get!
    expect(me.security).toContainEqual({ bearerAuth: [] })
    expect(me.security).toContainEqual({ cookieAuth: [] })
    expect(doc.paths['/api/v2/auth/login']!.post!.security).toEqual([])
    expect(doc.paths['/health']!.get!.security).toEqual([])
  })

  test('has request and response schemas, e.g. login', () => {
    const login = doc.paths['/api/v2/auth/login']!.post!
    const body = JSON.stringify(login.requestBody)
    expect(body).toContain('email')
    expect(body).toContain('password')
    expect(JSON.stringify(login.responses?.['200'])).toContain('access_token')
  })
})

describe('DOCS_ENABLED=false', () => {
  test('/docs, /redoc, /openapi.json and the assets are 404', async () => {
    const testApp = await createTestApp('sqlite', { env: { DOCS_ENABLED: 'false' } })
    try {
      for (const path of ['/docs', '/redoc', '/openapi.json', '/docs/assets/swagger-ui-bundle.js', '/docs/']) {
        const response = await testApp.request('GET', path)
        expect(response.status).toBe(404)
        expect(await response.json()).toEqual({ detail: 'Not Found' })
      }
      expect((await testApp.request('GET', '/health')).status).toBe(200)
    } finally {
      await testApp.close()
    }
  })
})

describe('the docs pages load nothing from elsewhere', () => {
  const testApp = useTestApp('sqlite')

  test.each(['/docs', '/redoc'])('%s references only same-origin assets that are served', async (page) => {
    const html = await (await testApp.request('GET', page)).text()
    expect(html).not.toMatch(/https?:\/\//)
    expect(html).not.toMatch(/<script>[^<]/)
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    expect(refs.length).toBeGreaterThanOrEqual(2)
    for (const ref of refs) {
      const response = await testApp.request('GET', ref)
      expect(response.status, ref).toBe(200)
      expect((await response.arrayBuffer()).byteLength, ref).toBeGreaterThan(0)
    }
  })
})
