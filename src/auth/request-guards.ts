import type { Config } from '../config'
import { Forbidden, HttpError } from '../http/errors'
import { mediaType } from '../http/media-type'
import { isSameSiteRequest, isUnsafeMethod } from './csrf'

const JSON_ONLY_DETAIL = 'Content-Type must be application/json'
const CROSS_SITE_DETAIL = 'Cross-site request rejected'

function hasBody(request: Request): boolean {
  const length = request.headers.get('content-length')
  return (length !== null && length.trim() !== '0') || request.headers.has('transfer-encoding')
}

/**
 * The auth routes take JSON only. An HTML form on any site can post
 * urlencoded, multipart or text/plain bodies across origins without a
 * preflight (login CSRF: signing a victim into the attacker's account); it
 * cannot send application/json. A bodiless POST (refresh, logout) is fine.
 */
export function assertJsonBody(request: Request): void {
  if (!isUnsafeMethod(request.method)) return
  const type = request.headers.get('content-type')
  const json = mediaType(type) === 'application/json'
  if (json || (type === null && !hasBody(request))) return
  throw new HttpError(415, JSON_ONLY_DETAIL)
}

/**
 * Login and refresh write the session cookies: a request that says it comes
 * from a page of another origin (Origin present, neither ours nor a
 * FRONTEND_URL one, or "null") is refused, like cookie-authenticated writes.
 */
export function assertOriginMayWriteCookies(request: Request, config: Config): void {
  if (!request.headers.has('origin')) return
  if (!isSameSiteRequest(request, config)) throw new Forbidden(CROSS_SITE_DETAIL)
}
