import { isAuthPath } from '../auth/paths'

/** A header that always has the one value. */
function fixedHeader<V extends string>(description: string, value: V) {
  return { description, schema: { type: 'string', const: value }, example: value } as const
}

/** Response headers the API sets, documented once and referenced where they occur. */
export const HEADER_COMPONENTS = {
  'X-Request-Id': {
    description:
      'The request id: the caller’s own X-Request-Id when it is 1..128 of `A-Za-z0-9._:-`, else a new UUID. It is in the log line of the request.',
    schema: { type: 'string', maxLength: 128 },
    example: '5f0c7a52-93c1-4f0b-9a38-3c1f2f6e9b1d',
  },
  'Access-Control-Allow-Origin': {
    description:
      'Only when the request’s Origin is listed in FRONTEND_URL (that origin, with credentials allowed) or FRONTEND_URL is `*` (then `*`, never with credentials).',
    schema: { type: 'string', maxLength: 2048 },
    example: 'https://crm.acme-plumbing.com',
  },
  'Cache-Control': fixedHeader('Answers that can carry tokens or user data are never cached.', 'no-store'),
  'Retry-After': {
    description: 'Seconds until a retry can succeed.',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 86_400 },
    example: 42,
  },
  RateLimit: {
    description:
      'Every SMS window with what is left (`r`) and the seconds until it next frees a unit (`t`), IETF httpapi RateLimit draft syntax; on a 429 only the window that refused.',
    schema: { type: 'string', maxLength: 512 },
    example: '"minute";r=9;t=60, "hour";r=99;t=3600, "destination";r=9;t=3600',
  },
  'RateLimit-Policy': {
    description: 'The SMS windows: limit (`q`) and window length in seconds (`w`).',
    schema: { type: 'string', maxLength: 512 },
    example: '"minute";q=10;w=60, "hour";q=100;w=3600, "destination";q=10;w=3600',
  },
  'WWW-Authenticate': fixedHeader('The authentication scheme to use.', 'Bearer'),
  'Set-Cookie': {
    description:
      'Two cookies, both HttpOnly, SameSite from COOKIE_SAMESITE (Lax by default), Secure in production: `session` (the access token, Path=/) and `refresh` (the refresh token, Path=/api/v2/auth). Logging out sends both emptied with Max-Age=0.',
    schema: { type: 'string', maxLength: 4096 },
    example: 'session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl; Max-Age=900; Path=/; HttpOnly; SameSite=Lax',
  },
} as const

export type HeaderName = keyof typeof HEADER_COMPONENTS

const SETS_COOKIES = new Set([
  'post /api/v2/auth/login',
  'post /api/v2/auth/2fa/verify',
  'post /api/v2/auth/refresh',
  'post /api/v2/auth/logout',
  'post /api/v2/auth/logout-all',
])
const RATE_LIMITED = new Set(['post /api/v2/communications/sms/send'])

/**
 * Which of the headers above an answer carries, by the rule that sets it:
 * every answer has X-Request-Id, and the CORS origin for a listed front end; auth answers are no-store; 401 names the
 * scheme; 429 and a database outage (503, in `default`) say when to retry;
 * the SMS limiter reports its windows on every send it judged.
 */
export function headersFor(method: string, path: string, status: string): HeaderName[] {
  const key = `${method} ${path}`
  const names: HeaderName[] = ['X-Request-Id', 'Access-Control-Allow-Origin']
  if (isAuthPath(path) || (path === '/metrics' && status === '200')) names.push('Cache-Control')
  if (status === '401') names.push('WWW-Authenticate')
  if (status === '429' || status === 'default') names.push('Retry-After')
  // After the limiter admitted a send, a provider failure (502) still reports the windows.
  if (RATE_LIMITED.has(key) && ['201', '429', '502'].includes(status)) names.push('RateLimit', 'RateLimit-Policy')
  if (SETS_COOKIES.has(key) && status === '200') names.push('Set-Cookie')
  return names
}

export function headerRef(name: HeaderName) {
  return { $ref: `#/components/headers/${name}` }
}
