import type { Server } from 'bun'

/**
 * The socket's address; X-Forwarded-For only when TRUST_PROXY says a proxy we
 * run sets it (otherwise anyone could pick their own IP and dodge throttles).
 */
export function clientIp(request: Request, server: Server<unknown> | null, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim()
    if (forwarded) return forwarded.slice(0, 64)
  }
  return server?.requestIP(request)?.address ?? 'unknown'
}
