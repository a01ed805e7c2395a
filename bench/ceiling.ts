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
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
// The product's permission table (plain data, no framework), so /me answers the same body.
import { effectiveRole, ROLE_PERMISSIONS } from '../src/auth/permissions'

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

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/
const BASE_HEADERS = {
  'content-type': 'application/json',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  vary: 'Origin',
}
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]
const counts = new Map<string, number>()
const histogram = new Map<string, number[]>()

function observe(route: string, status: number, seconds: number) {
  const key = `GET ${route} ${status}`
  counts.set(key, (counts.get(key) ?? 0) + 1)
  let buckets = histogram.get(route)
  if (!buckets) {
    buckets = new Array(BUCKETS.length + 1).fill(0)
    histogram.set(route, buckets)
  }
  let i = 0
  while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++
  buckets[i]!++
}

function answer(request: Request, route: string, started: number, status: number, body: unknown, extra?: Record<string, string>) {
  const incoming = request.headers.get('x-request-id')
  const id = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
  const response = Response.json(body, { status, headers: { ...BASE_HEADERS, 'x-request-id': id, ...extra } })
  observe(route, status, (performance.now() - started) / 1000)
  return response
}

const verified = new Map<string, { sub: number; sid: string; exp: number }>()

function verify(token: string) {
  const known = verified.get(token)
  if (known) return known.exp > Date.now() / 1000 ? known : undefined
  const [header, payload, signature] = token.split('.')
  if (!header || !payload || !signature) return undefined
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest()
  const given = Buffer.from(signature, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string; sid: string; exp: number }
  const entry = { sub: Number(claims.sub), sid: claims.sid, exp: claims.exp }
  verified.set(token, entry)
  return entry
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
      const row = (claims ? lookup.values(claims.sub, claims.sid)[0] : undefined) as
        | [number, string, string, string, number, number, number, number | null, number, string, string, number | null]
        | undefined
      if (!row || row[7] === null || row[7] !== 0 || !row[5])
        return answer(request, '/api/v2/auth/me', started, 401, { detail: 'Not authenticated' }, noStore)
      const [id, email, fullName, storedRole, isSuperuser, isActive, createdAt, , twoFactor, firstName, lastName, lastLoginAt] = row
      const role = effectiveRole(storedRole, Boolean(isSuperuser))
      const lastLogin = lastLoginAt === null ? null : new Date(lastLoginAt).toISOString()
      return answer(
        request,
        '/api/v2/auth/me',
        started,
        200,
        {
          user: {
            id,
            email,
            full_name: fullName,
            first_name: firstName,
            last_name: lastName,
            role,
            permissions: [...ROLE_PERMISSIONS[role]],
            is_active: Boolean(isActive),
            last_login_at: lastLogin,
            last_login: lastLogin,
            created_at: new Date(createdAt).toISOString(),
          },
          two_factor: { enabled: Boolean(twoFactor), required: false },
        },
        noStore,
      )
    },
  },
  fetch: () => new Response('{"detail":"Not Found"}', { status: 404 }),
})
console.log(`ceiling listening on ${server.port}`)
