import { Elysia } from 'elysia'
import { randomUUID } from 'node:crypto'
import type { AppContext } from '../context'
import { clientIp } from './client-ip'

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export interface RequestInfo {
  id: string
  startedAt: number
  /** Set once the request log has its line: each request is logged and counted once. */
  recorded?: boolean
}

/** What every request carries from its first hook on, typed for handlers (see `requestContext`). */
interface RequestFields {
  requestId: string
  startedAt: number
  clientIp: string
}

// Kept on the per-request `set` object: it is the one thing every hook sees,
// including error handlers that run before routing and after a body swap.
const INFO = Symbol('request info')
type WithInfo = { [INFO]?: RequestInfo }

/** The id and start time of the request that owns this `set`, if it got that far. */
export function requestInfo(set: object): RequestInfo | undefined {
  return (set as WithInfo)[INFO]
}

/** An incoming X-Request-Id is kept when it is short and harmless, else a new one is made. */
export function requestIdFrom(request: Request): string {
  const incoming = request.headers.get('x-request-id')
  return incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
}

/**
 * Request id (honoured from X-Request-Id when sane) and client IP for every request.
 * The id is assigned in onRequest, the first hook, so 404/405/413 answers and
 * errors thrown by other onRequest hooks carry it too. The same hook puts the
 * fields on the context handlers receive (declared with `decorate`, so Elysia
 * builds every context with them): a `derive` would cost a transform hook, an
 * object and a merge on every request.
 */
export function requestContext(ctx: AppContext) {
  const trustProxy = ctx.config.trustProxy
  return new Elysia({ name: 'request-context', seed: ctx.id })
    .decorate('requestId', '')
    .decorate('startedAt', 0)
    .decorate('clientIp', 'unknown')
    .onRequest((context) => {
      const { request, set } = context
      const id = requestIdFrom(request)
      const startedAt = performance.now()
      ;(set as WithInfo)[INFO] = { id, startedAt }
      set.headers['x-request-id'] = id
      // The client IP is looked up on first read: asking the server for the socket's address costs more
      // than the rest of a /health answer, and most routes never read it. An alias, because Elysia infers
      // from this source what every request must prepare, and `context` handed to a function (or written
      // where the transpiled text would show it so, followed by a comma) means all of it; for the same
      // reason the server comes from the app context, not `context.server`.
      let ip: string | undefined
      const target: object = context
      Object.defineProperty(target, 'clientIp', {
        get: () => (ip ??= clientIp(request, ctx.server, trustProxy)),
        enumerable: true,
        configurable: true,
      })
      const fields = target as RequestFields
      fields.requestId = id
      fields.startedAt = startedAt
    })
}
