/**
 * The practical ceiling of the runtime for two routes: a plain Bun.serve +
 * bun:sqlite program doing the same per-request work as the product, with no
 * framework. `bun run bench` starts it on the SQLite server's database file
 * and compares the product's /health and /api/v2/auth/me with it.
 *   CEILING_DB=path CEILING_SECRET=key PORT=n bun bench/ceiling.ts
 * Per request: a request id (a sane incoming X-Request-Id, else a UUID), the
 * security and CORS Vary headers, a request counter and duration histogram,
 * JSON; /health one prepared `SELECT 1`; /me a Bearer token checked once per
 * token (HS256), one prepared user + session lookup per request, and the
 * product's answer: the same fields, permissions and two-factor state.
 */
import { Database } from 'bun:sqlite'
import { randomUUID } from 'node:crypto'
// The product's permission table (plain data, no framework), so /me answers the same body.
import { effectiveRole, ROLE_PERMISSIONS } from '../src/auth/permissions'
import { type LookupRow, meBody, requestSeries, SAFE_REQUEST_ID, SECURITY_HEADERS, tokenCheck } from './per-request-work.mjs'

const db = new Database(process.env.CEILING_DB!, { readonly: true })
db.exec('PRAGMA busy_timeout = 5000')
const secret = process.env.CEILING_SECRET!
const ping = db.prepare('SELECT 1')
const lookup = db.prepare<Record<string, never>, [number, string]>(
  `SELECT u.id, u.email, u.full_name, u.role, u.is_superuser, u.is_active, u.created_at,
          (SELECT coalesce(s.revoked_at, 0) FROM auth_sessions s WHERE s.id = ?2 AND s.user_id = u.id),
          u.totp_enabled_at IS NOT NULL, u.first_name, u.last_name, u.last_login_at
     FROM api_users u WHERE u.id = ?1`,
)

const BASE_HEADERS = { 'content-type': 'application/json', ...SECURITY_HEADERS }
const observe = requestSeries()
const verify = tokenCheck(secret)

function answer(request: Request, route: string, started: number, status: number, body: unknown, extra?: Record<string, string>) {
  const incoming = request.headers.get('x-request-id')
  const id = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
  const response = Response.json(body, { status, headers: { ...BASE_HEADERS, 'x-request-id': id, ...extra } })
  observe(route, status, (performance.now() - started) / 1000)
  return response
}

const server = Bun.serve({
  port: Number(process.env.PORT),
  hostname: '127.0.0.1',
  routes: {
    '/health': (request) => {
      const started = performance.now()
      ping.get()
      return answer(request, '/health', started, 200, { status: 'ok', database: 'ok', version: '1.1.0', commit: '0123456789ab' })
    },
    '/api/v2/auth/me': (request) => {
      const started = performance.now()
      const noStore = { 'cache-control': 'no-store' }
      const match = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')
      const claims = match ? verify(match[1]!) : undefined
      const row = (claims ? lookup.values(claims.sub, claims.sid)[0] : undefined) as LookupRow | undefined
      if (!row || row[7] === null || row[7] !== 0 || !row[5])
        return answer(request, '/api/v2/auth/me', started, 401, { detail: 'Not authenticated' }, noStore)
      const role = effectiveRole(row[3], Boolean(row[4]))
      return answer(request, '/api/v2/auth/me', started, 200, meBody(row, role, ROLE_PERMISSIONS[role]), noStore)
    },
  },
  fetch: () => new Response('{"detail":"Not Found"}', { status: 404 }),
})
console.log(`ceiling listening on ${server.port}`)
