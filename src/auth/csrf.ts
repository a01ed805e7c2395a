import type { Config } from '../config'

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE_METHODS.has(method.toUpperCase())
}

function originOf(value: string | null): string | undefined {
  if (!value) return undefined
  try {
    const origin = new URL(value).origin
    return origin === 'null' ? undefined : origin
  } catch {
    return undefined
  }
}

/** The server's own origin: PUBLIC_URL's when set, else the request's scheme and Host. */
function ownOrigin(request: Request, config: Config): string | undefined {
  if (config.publicUrl) return new URL(config.publicUrl).origin
  const host = request.headers.get('host')
  // No Host (HTTP/1.0) or a malformed one: Bun's request.url is then not a valid URL, and we have no origin.
  const url = URL.parse(request.url)
  return host ? originOf(`${url?.protocol ?? 'http:'}//${host}`) : url?.origin
}

/**
 * Cookies ride along on cross-site requests; an unsafe request authenticated by
 * cookie must come from our own origin or an allowed front end.
 */
export function isSameSiteRequest(request: Request, config: Config): boolean {
  const origin =
    originOf(request.headers.get('origin')) ?? (request.headers.has('origin') ? 'null' : originOf(request.headers.get('referer')))
  if (!origin || origin === 'null') return false
  return origin === ownOrigin(request, config) || config.frontendOrigins.includes(origin)
}
