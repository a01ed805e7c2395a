import { Elysia } from 'elysia'
import { randomUUID } from 'node:crypto'
import type { AppContext } from '../context'
import { clientIp } from './client-ip'

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Request id (honoured from X-Request-Id when sane) and client IP for every request. */
export function requestContext(ctx: AppContext) {
  return new Elysia({ name: 'request-context', seed: ctx.id }).derive({ as: 'global' }, ({ request, server, set }) => {
    const incoming = request.headers.get('x-request-id')
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
    set.headers['x-request-id'] = requestId
    return {
      requestId,
      clientIp: clientIp(request, server, ctx.config.trustProxy),
      startedAt: performance.now(),
    }
  })
}
