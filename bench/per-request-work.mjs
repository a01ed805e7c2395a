// The per-request work every comparison server of the bench does alike: bench/ceiling.ts
// (Bun) and bench/peers/express/server.mjs (Node) import it. Plain JavaScript so both
// runtimes load it as it is; bench/peers/fastapi_app.py does the same in Python.
import { createHmac, timingSafeEqual } from 'node:crypto'

/** An incoming X-Request-Id is kept when it matches this, as the product does. */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The product's security headers and its CORS Vary. */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  vary: 'Origin',
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]

/** A request counter and duration histogram per route, kept in maps as the product keeps them. */
export function requestSeries() {
  const counts = new Map()
  const histogram = new Map()
  return (route, status, seconds) => {
    const key = `GET ${route} ${status}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
    let buckets = histogram.get(route)
    if (!buckets) {
      buckets = new Array(BUCKETS.length + 1).fill(0)
      histogram.set(route, buckets)
    }
    let i = 0
    while (i < BUCKETS.length && seconds > BUCKETS[i]) i++
    buckets[i]++
  }
}

/** An HS256 access token checked once per token, then remembered until it expires. */
export function tokenCheck(secret) {
  const verified = new Map()
  return (token) => {
    const known = verified.get(token)
    if (known) return known.exp > Date.now() / 1000 ? known : undefined
    const [header, payload, signature] = token.split('.')
    if (!header || !payload || !signature) return undefined
    const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest()
    const given = Buffer.from(signature, 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const entry = { sub: Number(claims.sub), sid: claims.sid, exp: claims.exp }
    verified.set(token, entry)
    return entry
  }
}

/** An instant stored as milliseconds, as the product answers it. */
export const iso = (ms) => (ms === null ? null : new Date(ms).toISOString())

/** GET /api/v2/auth/me's body from the lookup's row (the product's column order), the effective role and its permissions. */
export function meBody(row, role, permissions) {
  const [id, email, fullName, , , isActive, createdAt, , twoFactor, firstName, lastName, lastLoginAt] = row
  return {
    user: {
      id,
      email,
      full_name: fullName,
      first_name: firstName,
      last_name: lastName,
      role,
      permissions,
      is_active: Boolean(isActive),
      last_login_at: iso(lastLoginAt),
      last_login: iso(lastLoginAt),
      created_at: iso(createdAt),
    },
    two_factor: { enabled: Boolean(twoFactor), required: false },
  }
}
