import { Elysia } from 'elysia'
import { randomUUID } from 'node:crypto'
import type { AppContext } from '../context'
import { clientIp } from './client-ip'

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export interface RequestInfo {
  id: string
  startedAt: number
}

// Keyed by the per-request `set` object: it is the one thing every hook sees,
// including error handlers that run before routing and after a body swap.
const infos = new WeakMap<object, RequestInfo>()

/** The id and start time of the request that owns this `set`, if it got that far. */
export function requestInfo(set: object): RequestInfo | undefined {
  return infos.get(set)
}

/** An incoming X-Request-Id is kept when it is short and harmless, else a new one is made. */
export function requestIdFrom(request: Request): string {
  const incoming = request.headers.get('x-request-id')
  return incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
}

/**
 * Request id (honoured from X-Request-Id when sane) and client IP for every request.
 * The id is assigned in onRequest, the first hook, so 404/405/413 answers and
 * errors thrown by other onRequest hooks carry it too.
 */
export function requestContext(ctx: AppContext) {
  const trustProxy = ctx.config.trustProxy
  return new Elysia({ name: 'request-context', seed: ctx.id })
    .onRequest(({ request, set }) => {
      const id = requestIdFrom(request)
      infos.set(set, { id, startedAt: performance.now() })
      set.headers['x-request-id'] = id
    })
    .derive({ as: 'global' }, (context) => {
      const { request, set } = context
      const info = infos.get(set)
      // The client IP is looked up on first read: asking the server for the socket's address costs more
      // than the rest of a /health answer, and most routes never read it. An alias, because Elysia infers
      // from this source what every request must prepare, and `context` handed to a function means all of it.
      const target: object = context
      let ip: string | undefined
      Object.defineProperty(target, 'clientIp', {
        get: () => (ip ??= clientIp(request, context.server, trustProxy)),
        enumerable: true,
        configurable: true,
      })
      const derived: { requestId: string; startedAt: number; clientIp?: string } = {
        requestId: info?.id ?? requestIdFrom(request),
        startedAt: info?.startedAt ?? performance.now(),
      }
      // Typed with the property defined above, which Object.assign (how Elysia applies this) must not overwrite.
      return derived as { requestId: string; startedAt: number; clientIp: string }
    })
}
