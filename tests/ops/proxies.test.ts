import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { bodyAs, DEFAULT_PASSWORD, signedIn, type Api } from '../helpers/harness'
import { BINARY, ROOT, freePort, type RunningServer } from '../helpers/spawn'
import { startReplicas, type Replicas } from '../helpers/replicas'
import { docsSnippet, fakeFrontend, startCaddy, startNginx, type ProxyPorts, type RunningProxy } from '../helpers/proxies'
import type { FakeTwilio } from '../../testkit/fakes/twilio'
import { inboundPairs } from '../webhooks/signing'
import { ACCOUNT_SID, AUTH_TOKEN, SENDER, fakeTwilio, twilioEnv, formBody, sign } from '../../testkit/twilio'

/**
 * compose.yaml's topology without containers: two replicas of the compiled
 * binary on one PostgreSQL database, behind deploy/Caddyfile and again behind
 * deploy/nginx.conf, everything on loopback. Needs the binary (`bun run
 * build`), caddy, nginx, curl, openssl and TEST_DATABASE_URL; CI installs
 * them, and there the suite never skips.
 */
const tools = ['caddy', 'nginx', 'curl', 'openssl'].every((tool) => Bun.which(tool, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` }))
const available = existsSync(BINARY) && tools && !!process.env.TEST_DATABASE_URL
const describeProxies = process.env.CI === 'true' || available ? describe : describe.skip

const SMS_PER_MINUTE = 5
const USER = 'proxy-user@example.com'
const ADMIN = 'proxy-admin@example.com'
const INCOMING = '/webhooks/twilio/incoming'
/** Where the test's client connects from: a loopback address other than the proxy's own. */
const CLIENT_IP = '127.0.0.5'

/** The replicas' settings from compose.yaml, less what only makes sense inside compose. */
function composeReplicaEnv(): Record<string, string> {
  const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment: Record<string, string> }>
  }
  const env = { ...compose.services['api-1']!.environment }
  for (const name of ['DATABASE_URL', 'PUBLIC_URL', 'FRONTEND_URL', 'HOST', 'PORT', 'DATA_DIR']) delete env[name]
  return env
}

function proxySuite(name: 'caddy' | 'nginx') {
  describeProxies(`two replicas of the binary behind ${name}`, () => {
    const ports: ProxyPorts = { http: freePort(), https: freePort(), admin: freePort(), health: freePort() }
    const publicUrl = `https://127.0.0.1:${ports.https}`
    let twilio: FakeTwilio
    let replicas: Replicas
    let servers: RunningServer[]
    let proxy: RunningProxy
    /** The same proxy set up as docs/operations.md shows for serving the front end too. */
    let front: RunningProxy
    let frontend: string
    let userToken: string
    let requestCounter = 0

    beforeAll(async () => {
      twilio = fakeTwilio()
      replicas = await startReplicas('postgres', {
        kind: 'binary',
        emails: [USER],
        admins: [ADMIN],
        env: {
          ...composeReplicaEnv(),
          ...twilioEnv(twilio),
          PUBLIC_URL: publicUrl,
          FRONTEND_URL: 'https://crm-frontend.example.com',
          LOG_LEVEL: 'info',
          RATE_LIMIT_SMS_PER_MINUTE: String(SMS_PER_MINUTE),
        },
      })
      servers = replicas.servers
      const upstreams = servers.map((s) => `127.0.0.1:${s.port}`)
      proxy = name === 'caddy' ? await startCaddy(upstreams, ports) : await startNginx(upstreams, ports)
      frontend = fakeFrontend()
      const frontPorts: ProxyPorts = { http: freePort(), https: freePort(), admin: freePort(), health: freePort() }
      if (name === 'caddy') {
        const site = docsSnippet('Serving the React front end', 'caddy')
          .replace('api-1:8000 api-2:8000', upstreams.join(' '))
          .replace('/srv/crm-frontend', frontend)
        const file = join(mkdtempSync(join(tmpdir(), 'crm-front-caddy-')), 'Caddyfile')
        writeFileSync(file, site)
        front = await startCaddy(upstreams, frontPorts, file)
      } else {
        const snippet = docsSnippet('Serving the React front end', 'nginx').replace('/srv/crm-frontend', frontend)
        front = await startNginx(upstreams, frontPorts, (conf) => conf.replace(/^ {4}location \/ \{[\s\S]*?^ {4}\}\n/m, snippet))
      }
    }, 90_000)

    afterAll(async () => {
      await front?.stop()
      if (frontend) rmSync(frontend, { recursive: true, force: true })
      await proxy?.stop()
      await replicas?.close()
      await twilio?.close()
    })

    /** A request through the proxy, tagged with an X-Request-Id that the serving replica logs. */
    async function viaProxy(
      method: string,
      path: string,
      init: { token?: string; json?: unknown; headers?: Record<string, string>; body?: string } = {},
    ) {
      const requestId = `proxy-${name}-${++requestCounter}-${Date.now()}`
      const headers: Record<string, string> = { 'x-request-id': requestId, ...init.headers }
      if (init.token) headers.authorization = `Bearer ${init.token}`
      if (init.json !== undefined) headers['content-type'] = 'application/json'
      const response = await fetch(`${proxy.url}${path}`, {
        method,
        headers,
        body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
        tls: { ca: proxy.ca },
      })
      return { response, requestId }
    }

    /** Which replica logged the request (its log line carries the request id). */
    async function servedBy(requestId: string): Promise<number> {
      for (let i = 0; i < 100; i++) {
        const index = servers.findIndex((s) => s.output().includes(`"requestId":"${requestId}"`))
        if (index >= 0) return index
        await Bun.sleep(20)
      }
      return -1
    }

    test('/health of each replica, directly and through the proxy', async () => {
      for (const server of servers) {
        const response = await fetch(`${server.url}/health`)
        expect(response.status).toBe(200)
        expect(await response.json()).toMatchObject({ status: 'ok', database: 'ok' })
      }
      const seen = new Set<number>()
      for (let i = 0; i < 4; i++) {
        const { response, requestId } = await viaProxy('GET', '/health')
        expect(response.status).toBe(200)
        expect(await response.json()).toMatchObject({ status: 'ok', database: 'ok' })
        seen.add(await servedBy(requestId))
      }
      expect([...seen].sort()).toEqual([0, 1])
    })

    test('login and /me through the proxy, served by both replicas', async () => {
      const seen = new Set<number>()
      for (let i = 0; i < 2; i++) {
        const login = await viaProxy('POST', '/api/v2/auth/login', { json: { email: USER, password: DEFAULT_PASSWORD } })
        expect(login.response.status).toBe(200)
        // The session cookie is Secure: the replica knows the client used HTTPS.
        const cookies = login.response.headers.getSetCookie()
        expect(cookies.find((c) => c.startsWith('session='))).toMatch(/;\s*Secure/i)
        userToken = signedIn(await bodyAs<Api['auth']['login']['post']>(login.response)).access_token
        seen.add(await servedBy(login.requestId))
        for (let j = 0; j < 2; j++) {
          const me = await viaProxy('GET', '/api/v2/auth/me', { token: userToken })
          expect(me.response.status).toBe(200)
          expect((await bodyAs<Api['auth']['me']['get']>(me.response)).user.email).toBe(USER)
          seen.add(await servedBy(me.requestId))
        }
      }
      expect([...seen].sort()).toEqual([0, 1])
    })

    test(`the SMS limit is exact across both replicas: ${SMS_PER_MINUTE} a minute`, async () => {
      twilio.reset()
      const sends = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          viaProxy('POST', '/api/v2/communications/sms/send', {
            token: userToken,
            json: { to: `+1415555${7100 + i}`, body: 'through the proxy' },
          }),
        ),
      )
      const statuses = sends.map((s) => s.response.status)
      expect(statuses.filter((s) => s === 201)).toHaveLength(SMS_PER_MINUTE)
      expect(statuses.filter((s) => s === 429)).toHaveLength(12 - SMS_PER_MINUTE)
      expect(twilio.accepted()).toHaveLength(SMS_PER_MINUTE)
      for (const { response } of sends.filter((s) => s.response.status === 429))
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
      const servedByReplica = new Set(await Promise.all(sends.map((s) => servedBy(s.requestId))))
      expect([...servedByReplica].sort()).toEqual([0, 1])
    })

    test('a Twilio-signed webhook is accepted for the public URL; a forged X-Forwarded-Host is refused', async () => {
      const pairs = inboundPairs({ AccountSid: ACCOUNT_SID, To: SENDER })
      const form = { 'content-type': 'application/x-www-form-urlencoded' }
      const accepted = await viaProxy('POST', INCOMING, {
        headers: { ...form, 'x-twilio-signature': sign(`${publicUrl}${INCOMING}`, pairs, AUTH_TOKEN) },
        body: formBody(pairs),
      })
      expect(accepted.response.status).toBe(200)
      expect(await accepted.response.text()).toBe('<Response></Response>')

      const forgedPairs = inboundPairs({ AccountSid: ACCOUNT_SID, To: SENDER })
      const forged = await viaProxy('POST', INCOMING, {
        headers: {
          ...form,
          'x-forwarded-host': 'attacker.example',
          'x-forwarded-proto': 'https',
          'x-twilio-signature': sign(`https://attacker.example${INCOMING}`, forgedPairs, AUTH_TOKEN),
        },
        body: formBody(forgedPairs),
      })
      expect(forged.response.status).toBe(403)
      expect(await forged.response.json()).toEqual({ detail: 'Invalid Twilio signature' })
    })

    test('the audit log records the client address the proxy saw, not one the client claims', async () => {
      const email = `nobody-${name}@example.com`
      // curl can connect from another loopback address; fetch cannot.
      const curl = Bun.spawnSync(
        [
          'curl',
          '-s',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          '--interface',
          CLIENT_IP,
          '--cacert',
          proxy.caFile,
          '-H',
          'content-type: application/json',
          '-H',
          'x-forwarded-for: 203.0.113.9',
          '--data',
          JSON.stringify({ email, password: 'wrong password' }),
          `${proxy.url}/api/v2/auth/login`,
        ],
        { stdout: 'pipe', stderr: 'pipe' },
      )
      expect(curl.stdout.toString()).toBe('401')
      const login = await viaProxy('POST', '/api/v2/auth/login', { json: { email: ADMIN, password: DEFAULT_PASSWORD } })
      const adminToken = signedIn(await bodyAs<Api['auth']['login']['post']>(login.response)).access_token
      const { response } = await viaProxy('GET', '/api/v2/admin/audit?action=login.failure&page_size=100', { token: adminToken })
      expect(response.status).toBe(200)
      const { items } = await bodyAs<Api['admin']['audit']['get']>(response)
      expect(items.filter((item) => item.actor_email === email).map((item) => item.ip)).toEqual([CLIENT_IP])
    })

    test('the React front end on the same origin, configured as docs/operations.md shows', async () => {
      const get = (path: string, init: RequestInit = {}) => fetch(`${front.url}${path}`, { ...init, tls: { ca: front.ca } })
      for (const path of ['/', '/customers/42']) {
        const page = await get(path)
        expect(page.status).toBe(200)
        expect(page.headers.get('content-type')).toStartWith('text/html')
        expect(await page.text()).toContain('<div id="root"></div>')
      }
      const asset = await get('/assets/index-4f2a.js')
      expect(asset.status).toBe(200)
      expect(await asset.text()).toContain('console.log')
      const anonymous = await get('/api/v2/auth/me')
      expect(anonymous.status).toBe(401)
      expect(await anonymous.json()).toEqual({ detail: 'Could not validate credentials' })
      const login = await get('/api/v2/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: USER, password: DEFAULT_PASSWORD }),
      })
      expect(login.status).toBe(200)
      expect(login.headers.getSetCookie().some((c) => c.startsWith('session='))).toBe(true)
      const { access_token } = signedIn(await bodyAs<Api['auth']['login']['post']>(login))
      const me = await get('/api/v2/auth/me', { headers: { authorization: `Bearer ${access_token}` } })
      expect(me.status).toBe(200)
      expect((await bodyAs<Api['auth']['me']['get']>(me)).user.email).toBe(USER)
      expect((await get('/health')).status).toBe(200)
      const pairs = inboundPairs({ AccountSid: ACCOUNT_SID, To: SENDER })
      const webhook = await get(INCOMING, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': sign(`${publicUrl}${INCOMING}`, pairs, AUTH_TOKEN),
        },
        body: formBody(pairs),
      })
      expect(webhook.status).toBe(200)
    })

    if (name === 'caddy') {
      test("compose's proxy health check answers while port 80 only redirects to HTTPS", async () => {
        const redirect = await fetch(`http://127.0.0.1:${ports.http}/health`, { redirect: 'manual' })
        expect(redirect.status).toBeGreaterThanOrEqual(301)
        expect(redirect.status).toBeLessThanOrEqual(308)
        expect(redirect.headers.get('location')).toStartWith('https://')
        const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as {
          services: { proxy: { healthcheck: { test: string[] } } }
        }
        const command = compose.services.proxy.healthcheck.test.join(' ')
        const match = /http:\/\/127\.0\.0\.1:8081(\/\S*)/.exec(command)
        expect(match).not.toBeNull()
        const health = await fetch(`http://127.0.0.1:${ports.health}${match![1]}`, { redirect: 'manual' })
        expect(health.status).toBe(200)
        expect(await health.json()).toMatchObject({ status: 'ok' })
        expect((await fetch(`http://127.0.0.1:${ports.health}/api/v2/auth/me`)).status).toBe(404)
      })
    }

    if (name === 'nginx') {
      test('nginx -t accepts deploy/nginx.conf on the installed nginx', () => {
        expect((proxy as RunningProxy & { configTest: string }).configTest).toContain('test is successful')
      })
    }
  })
}

proxySuite('caddy')
proxySuite('nginx')
