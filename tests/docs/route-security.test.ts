import { beforeAll, describe, expect, test } from 'bun:test'
import { REFRESH_COOKIE_PATH } from '../../src/auth/cookies'
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, roleAtLeast, type Role } from '../../src/auth/permissions'
import { SessionService } from '../../src/auth/sessions'
import { errorBody, useTestApp } from '../helpers/harness'

interface Operation {
  security?: Record<string, string[]>[]
  responses: Record<string, unknown>
  'x-permission'?: string
  'x-role'?: string
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>
}

/** The docs' own pages and assets are not API routes. */
const DOCS_ROUTES = new Set(['/docs', '/redoc', '/openapi.json', '/docs/assets/:name'])
const DENIED = /^Permission denied: requires (role )?(\S+)$/

const openApiPath = (path: string) => path.replace(/:([^/]+)/g, '{$1}').replace(/(.)\/+$/, '$1')
const isPathUnder = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`)

/**
 * Every route of the app's real route table, called without credentials and
 * then with a fresh access token of each role: how it answers must be what
 * the OpenAPI document says of it. A route that refuses an anonymous caller is
 * documented with a security requirement and that refusal; one that serves
 * anyone is documented as public; a token route documents 401 and 403, and
 * the permission a role is denied must be the one the document names and the
 * one the permission table withholds from exactly that role.
 */
describe('each route documents the guard it enforces', () => {
  const testApp = useTestApp('sqlite', { env: { TWILIO_AUTH_TOKEN: 'some-token-for-webhooks' }, roles: ROLES })
  let doc: OpenApiDocument
  let sessions: SessionService

  beforeAll(async () => {
    sessions = new SessionService(testApp.ctx)
    doc = (await (await testApp.request('GET', '/openapi.json')).json()) as OpenApiDocument
  })

  /**
   * A body no route accepts (a JSON string), so a caller that gets past the
   * guard is stopped by validation before anything changes; ids name nothing.
   * Each call has its own session: some routes end the sessions of their caller.
   */
  async function call(method: string, path: string, role?: Role): Promise<{ status: number; detail?: string }> {
    const token = role ? (await sessions.start(testApp.users[role].id)).accessToken : undefined
    const json = method === 'GET' || method === 'DELETE' ? undefined : 'not an object'
    const response = await testApp.request(method, path.replace(/:[^/]+/g, '999999'), { token, json })
    const body = await errorBody(response).catch(() => undefined)
    return { status: response.status, detail: body?.detail }
  }

  test('every route, as its answers show', async () => {
    const problems: string[] = []
    const routes = testApp.app.routes.filter((route) => !DOCS_ROUTES.has(route.path))
    expect(routes.length).toBeGreaterThan(40)
    for (const { method, path } of routes) {
      const name = `${method} ${path}`
      const operation = doc.paths[openApiPath(path)]?.[method.toLowerCase()]
      if (!operation) {
        problems.push(`${name}: not in the document`)
        continue
      }
      const security = operation.security ?? []
      const schemes = security.flatMap((requirement) => Object.keys(requirement))
      const optional = security.length === 0 || security.some((requirement) => Object.keys(requirement).length === 0)
      const documents = (status: string) => status in operation.responses

      const anonymous = await call(method, path)
      if (anonymous.status === 401) {
        if (optional) problems.push(`${name}: refuses anonymous callers, documented as public`)
        if (!documents('401')) problems.push(`${name}: answers 401, does not document it`)
      } else if (anonymous.status === 403 && /Twilio signature/.test(anonymous.detail ?? '')) {
        if (optional || !schemes.includes('twilioSignature'))
          problems.push(`${name}: needs a Twilio signature, documents ${JSON.stringify(security)}`)
        if (!documents('403')) problems.push(`${name}: answers 403, does not document it`)
      } else if (!optional) {
        problems.push(`${name}: serves anonymous callers (${anonymous.status}), documents ${JSON.stringify(security)}`)
      }

      const needsToken = schemes.includes('bearerAuth') && !optional
      if (needsToken && !(schemes.includes('cookieAuth') && documents('401') && documents('403')))
        problems.push(`${name}: a token route documents bearer and cookie, 401 and 403`)
      const permission = operation['x-permission']
      const role = operation['x-role'] as Role | undefined
      if (permission !== undefined && !(PERMISSIONS as readonly string[]).includes(permission))
        problems.push(`${name}: documents an unknown permission ${permission}`)
      if ((permission !== undefined || role !== undefined) && !needsToken) problems.push(`${name}: names a requirement without a token`)
      if (!needsToken || anonymous.status !== 401) continue

      for (const caller of ROLES) {
        const answer = await call(method, path, caller)
        const denied = answer.status === 403 ? DENIED.exec(answer.detail ?? '') : null
        if (answer.status === 401) problems.push(`${name}: refuses a valid ${caller} token`)
        const allowed =
          (permission === undefined || ROLE_PERMISSIONS[caller].some((granted) => granted === permission)) &&
          (role === undefined || roleAtLeast(caller, role))
        if (allowed && denied) problems.push(`${name}: denies ${caller} (${answer.detail}), the document and the table allow it`)
        if (!allowed && !denied) problems.push(`${name}: lets ${caller} through (${answer.status}), the document and the table deny it`)
        if (denied && denied[2] !== (denied[1] ? role : permission))
          problems.push(`${name}: denies for ${denied[1] ?? ''}${denied[2]}, documents ${role ? `role ${role}` : permission}`)
      }
    }
    expect(problems).toEqual([])
  }, 60_000)

  test('the refresh cookie reaches the routes that read it', () => {
    const readers = testApp.app.routes.filter(({ method, path }) => {
      const operation = doc.paths[openApiPath(path)]?.[method.toLowerCase()]
      return operation?.security?.some((requirement) => 'refreshCookie' in requirement) || openApiPath(path) === '/api/v2/auth/logout'
    })
    expect(readers.map((route) => openApiPath(route.path)).sort()).toEqual(['/api/v2/auth/logout', '/api/v2/auth/refresh'])
    for (const route of readers) expect(isPathUnder(openApiPath(route.path), REFRESH_COOKIE_PATH)).toBe(true)
  })
})
