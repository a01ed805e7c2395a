import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { bodyAs, type Api } from '../helpers/harness'
import { BINARY, ROOT, loginOverHttp, startServer } from '../helpers/spawn'
import { INCOMING, STATUS } from '../webhooks/signing'
import { AUTH_TOKEN, formBody, sign, type Pairs } from '../../testkit/twilio'

beforeAll(() => {
  if (!existsSync(BINARY)) {
    const build = Bun.spawnSync(['bun', 'run', 'build'], { cwd: ROOT, stdout: 'ignore', stderr: 'pipe' })
    if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`)
  }
})

const ADMIN_EMAIL = 'boss@example.com'
const ADMIN_PASSWORD = 'json log check 4b1e8d'
const SID = (prefix: string, n: number) => prefix + n.toString(16).padStart(32, '0')

describe('the compiled executable writes only JSON lines', () => {
  // Elysia reads handler source at run time; on minified code it printed
  // "[Sucrose] warning" lines to the log on the first requests of some routes.
  test('every route group once, then every line of stdout and stderr parses as one JSON object', async () => {
    const server = await startServer({
      kind: 'binary',
      env: { ADMIN_EMAIL, ADMIN_PASSWORD, TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_URL: 'http://api.test', LOG_LEVEL: 'debug' },
    })
    try {
      const token = await loginOverHttp(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
      const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
        const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...headers } }
        if (body !== undefined) {
          init.body = typeof body === 'string' ? body : JSON.stringify(body)
          ;(init.headers as Record<string, string>)['content-type'] ??= 'application/json'
        }
        const response = await fetch(`${server.url}${path}`, init)
        await response.arrayBuffer()
        return response.status
      }
      expect(await call('GET', '/health')).toBe(200)
      expect(await call('GET', '/metrics')).toBe(200)
      for (const path of ['/docs', '/redoc', '/openapi.json']) expect(await call('GET', path)).toBe(200)
      expect(await call('GET', '/api/v2/auth/me')).toBe(200)
      const created = await fetch(`${server.url}/api/v2/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ first_name: 'Ann', last_name: 'Lee', phone: '+15005550006', email: 'ann@example.com' }),
      })
      expect(created.status).toBe(201)
      const { id } = await bodyAs<Api['customers']['post']>(created)
      expect(await call('GET', '/api/v2/customers?search=ann')).toBe(200)
      expect(await call('GET', `/api/v2/customers/${id}`)).toBe(200)
      expect(await call('PATCH', `/api/v2/customers/${id}`, { city: 'Springfield' })).toBe(200)
      expect(await call('GET', `/api/v2/customers/${id}/communications`)).toBe(200)
      expect(await call('POST', '/api/v2/customers', { first_name: '' })).toBe(422)
      expect(await call('POST', '/api/v2/communications/sms/send', { customer_id: id, body: 'hello' })).toBe(503)
      expect(await call('POST', '/api/v2/communications/email/send', { customer_id: id, subject: 'Hi', body: 'hello' })).toBe(503)
      expect(await call('GET', '/api/v2/communications/history')).toBe(200)
      expect(await call('GET', '/api/v2/admin/users')).toBe(200)
      expect(await call('GET', '/api/v2/admin/audit')).toBe(200)
      expect(await call('GET', '/api/v2/admin/stats')).toBe(200)
      const inbound: Pairs = [
        ['AccountSid', SID('AC', 1)],
        ['MessageSid', SID('SM', 2)],
        ['From', '+15005550006'],
        ['To', '+15005550001'],
        ['Body', 'hello back'],
        ['NumMedia', '0'],
      ]
      const signedHeaders = (path: string, pairs: Pairs) => ({
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': sign(`http://api.test${path}`, pairs),
      })
      expect(await call('POST', INCOMING, formBody(inbound), signedHeaders(INCOMING, inbound))).toBeLessThan(300)
      const status: Pairs = [
        ['AccountSid', SID('AC', 1)],
        ['MessageSid', SID('SM', 3)],
        ['MessageStatus', 'delivered'],
      ]
      expect(await call('POST', STATUS, formBody(status), signedHeaders(STATUS, status))).toBeLessThan(500)
      expect(await call('POST', INCOMING, formBody(inbound), { 'content-type': 'application/x-www-form-urlencoded' })).toBe(403)
      expect(await call('DELETE', `/api/v2/customers/${id}`)).toBeLessThan(300)
      expect(await call('POST', '/api/v2/auth/logout')).toBeLessThan(300)
      expect(await call('GET', '/no/such/route')).toBe(404)
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0)
    }
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line !== '')
    expect(lines.length).toBeGreaterThan(20)
    for (const line of lines) {
      let parsed: unknown
      try {
        parsed = JSON.parse(line)
      } catch {
        throw new Error(`not a JSON line: ${line}`)
      }
      expect(typeof parsed, line).toBe('object')
      expect(Array.isArray(parsed), line).toBe(false)
    }
    expect(server.output()).not.toContain('Sucrose')
  }, 60_000)
})
