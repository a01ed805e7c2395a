import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { recordAnswer } from './request-log'

const CORS_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS'
/**
 * Request headers a cross-origin SPA may send: the React CRM's axios client adds
 * the correlation, CSRF and entity headers to every request. CORS_ALLOW_HEADERS adds more.
 */
const CORS_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'X-Request-ID', 'X-Correlation-ID', 'X-CSRF-Token', 'X-Entity-ID']
const CORS_EXPOSED = 'X-Request-Id, Retry-After, RateLimit, RateLimit-Policy'
const CORS_MAX_AGE = '3600'
/** The route label of CORS preflights in the log and metrics. */
const PREFLIGHT_ROUTE = 'preflight'

/** The built-in list plus CORS_ALLOW_HEADERS, each name once (names are case-insensitive). */
function corsAllowHeaders(extra: string[]): string {
  const seen = new Map<string, string>()
  for (const name of [...CORS_HEADERS, ...extra]) if (!seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name)
  return [...seen.values()].join(', ')
}

/**
 * CORS from FRONTEND_URL: an exact listed origin gets itself echoed with
 * credentials; "*" in the list lets any origin read public answers, but never
 * with credentials (browsers refuse that pair, and it would expose cookies).
 * Anyone else gets no allow header at all.
 */
export function cors(ctx: AppContext) {
  const exact = new Set(ctx.config.frontendOrigins.filter((o) => o !== '*'))
  const wildcard = ctx.config.frontendOrigins.includes('*')
  const allowHeaders = corsAllowHeaders(ctx.config.corsAllowHeaders)

  return new Elysia({ name: 'cors', seed: ctx.id }).onRequest(({ request, set }) => {
    const headers = set.headers
    // Answers differ by Origin, so caches must key on it.
    headers.vary = 'Origin'
    const origin = request.headers.get('origin')
    let allowed = false
    if (origin !== null && exact.has(origin)) {
      headers['access-control-allow-origin'] = origin
      headers['access-control-allow-credentials'] = 'true'
      allowed = true
    } else if (origin !== null && wildcard) {
      headers['access-control-allow-origin'] = '*'
      allowed = true
    }
    if (allowed) headers['access-control-expose-headers'] = CORS_EXPOSED

    const preflight = request.method === 'OPTIONS' && origin !== null && request.headers.has('access-control-request-method')
    if (!preflight) return
    if (allowed) {
      headers['access-control-allow-methods'] = CORS_METHODS
      headers['access-control-allow-headers'] = allowHeaders
      headers['access-control-max-age'] = CORS_MAX_AGE
      delete headers['access-control-expose-headers']
    }
    // A refused preflight is still a plain 204: the missing allow headers are the refusal.
    // Answered before routing, so neither the request log hook nor the error handler sees it: log it here.
    recordAnswer(ctx, { request, set, route: PREFLIGHT_ROUTE }, 204)
    return new Response(null, { status: 204 })
  })
}
