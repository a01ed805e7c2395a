import { describe, expect, test } from 'bun:test'
import { useTestApp } from '../helpers/harness'

/**
 * Elysia reads each hook's source to decide what every request must prepare; a
 * hook handing its whole context to a function makes it copy all headers and
 * parse cookies and the query on every request of the routes it guards.
 */
/** They set the session cookies through a shared helper (auth/cookies.ts signInStep). */
const SIGN_IN_ROUTES = ['POST /api/v2/auth/login', 'POST /api/v2/auth/2fa/verify']

describe('what a guarded request prepares [sqlite]', () => {
  const testApp = useTestApp('sqlite')

  /** The handler Elysia composed for a route, as source. */
  function composed(method: string, path: string): string {
    const route = testApp.app.routes.find((r) => r.method === method && r.path === path)
    if (!route) throw new Error(`no route ${method} ${path}`)
    return String((route as unknown as { compile(): unknown }).compile())
  }

  test('no guarded route copies the headers or parses cookies unless its own handler reads cookies', () => {
    const guarded = testApp.app.routes.filter(
      (route) => route.path.startsWith('/api/v2/') && composed(route.method, route.path).includes('transform'),
    )
    expect(guarded.length).toBeGreaterThan(30)
    const preparing = guarded
      .filter((route) => !String(route.handler).includes('cookie') && !SIGN_IN_ROUTES.includes(`${route.method} ${route.path}`))
      .filter((route) => /parseCookie|headers\.toJSON/.test(composed(route.method, route.path)))
      .map((route) => `${route.method} ${route.path}`)
    expect(preparing).toEqual([])
  })

  test('no route gives its context a server getter or schedules work after the answer', () => {
    // The client IP reads the server from the app context; the request log records as the answer is mapped.
    const costly = testApp.app.routes
      .filter((route) => /defineProperty\(c,'server'|setImmediate/.test(composed(route.method, route.path)))
      .map((route) => `${route.method} ${route.path}`)
    expect(costly).toEqual([])
  })

  test('GET /health on SQLite is answered without waiting on a promise', () => {
    expect(composed('GET', '/health')).toContain('let r=handler(c)')
  })

  test('the global body hooks let a request they do not read pass without a promise', () => {
    const route = testApp.app.routes.find((r) => r.method === 'POST' && r.path === '/webhooks/twilio/incoming')
    const hooks = (route as unknown as { hooks: { parse: { fn: (context: object) => unknown; scope?: string }[] } }).hooks.parse
    const global = hooks.filter((hook) => hook.scope === 'global')
    expect(global.length).toBeGreaterThanOrEqual(2)
    // A form body with a Content-Length: neither the chunked-body limit nor the JSON parser reads it.
    const request = new Request('http://localhost/webhooks/twilio/incoming', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '3' },
      body: 'a=b',
    })
    for (const hook of global) expect(hook.fn({ request, path: '/webhooks/twilio/incoming' })).toBeUndefined()
  })

  test('a route that reads cookies itself still gets them', () => {
    expect(composed('POST', '/api/v2/auth/refresh')).toContain('parseCookie')
  })
})
