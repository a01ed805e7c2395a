import type { Server } from 'bun'
import { isIP } from 'node:net'

/**
 * The address `hops` trusted proxies saw: each one appends the address it was
 * reached from to X-Forwarded-For, so everything left of the last `hops`
 * entries was written by the client and may be forged. With fewer entries than
 * hops the leftmost one is the best there is.
 */
export function forwardedClientIp(header: string | null, hops: number): string | undefined {
  if (hops < 1 || !header) return undefined
  const entries = header.split(',').map((entry) => entry.trim())
  const candidate = entries[Math.max(0, entries.length - hops)]
  // Anything but an address (a port, a name, markup) is not trusted: the socket address is used instead.
  return candidate && isIP(candidate) ? candidate : undefined
}

/**
 * The socket's address, or the one TRUST_PROXY hops of our own proxies
 * forwarded (without TRUST_PROXY anyone could pick their own IP and dodge throttles).
 */
export function clientIp(request: Request, server: Server<unknown> | null, trustProxyHops: number): string {
  return forwardedClientIp(request.headers.get('x-forwarded-for'), trustProxyHops) ?? server?.requestIP(request)?.address ?? 'unknown'
}
