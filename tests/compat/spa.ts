import type { TestApp } from '../helpers/harness'

/**
 * What the React CRM SPA (axios, `withCredentials: true`) sends: its origin,
 * a per-session correlation id and a per-request id on every request, JSON
 * content type, and the access token it keeps in localStorage as a Bearer header.
 */
export const SPA_ORIGIN = 'http://localhost:5173'
const CORRELATION_ID = '6f1d3c1e-2b7a-4c55-9a51-0c2f4d0b8e11'

let requestCounter = 0

export function spaHeaders(options: { token?: string; cookies?: Record<string, string>; json?: boolean } = {}): Record<string, string> {
  const headers: Record<string, string> = {
    origin: SPA_ORIGIN,
    accept: 'application/json, text/plain, */*',
    'x-correlation-id': CORRELATION_ID,
    'x-request-id': `00000000-0000-4000-8000-${String(++requestCounter).padStart(12, '0')}`,
  }
  // axios drops the instance's Content-Type when a request has no body.
  if (options.json) headers['content-type'] = 'application/json'
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.cookies)
    headers.cookie = Object.entries(options.cookies)
      .map(([name, value]) => `${name}=${value}`)
      .join('; ')
  return headers
}

/** The request headers the SPA's preflights ask for. */
export const SPA_PREFLIGHT_HEADERS = 'authorization,content-type,x-correlation-id,x-request-id'
export const SPA_PREFLIGHT_HEADERS_FULL = 'authorization,content-type,x-correlation-id,x-csrf-token,x-entity-id,x-request-id'

/** The typed client, sending the SPA's own headers with every request. */
export function spaClient(testApp: Pick<TestApp, 'client'>, token?: string) {
  return testApp.client(token, () => spaHeaders())
}
