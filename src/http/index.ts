import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { errorHandler } from './error-handler'
import { requestContext } from './request-context'
import { securityHeaders } from './security-headers'
import { cors } from './cors'
import { bodyLimit } from './body-limit'
import { requestLog } from './request-log'
import { jsonBody } from './json-body'

/**
 * The cross-cutting HTTP layer, in the order it must run: the error handler
 * (every failure becomes a JSON answer), the request id (so every later failure
 * carries it), the headers every answer gets, CORS (which answers preflights),
 * the body limit, the JSON depth bound and the per-request log line. The rule
 * refusing text the database cannot store applies to /api/v2 alone (`apiV2` in
 * src/app.ts).
 */
export function httpLayer(ctx: AppContext, methodsFor: (path: string) => string[]) {
  return new Elysia({ name: 'http-layer', seed: ctx.id })
    .use(errorHandler(ctx, methodsFor))
    .use(requestContext(ctx))
    .use(securityHeaders(ctx))
    .use(cors(ctx))
    .use(bodyLimit(ctx))
    .use(jsonBody(ctx))
    .use(requestLog(ctx))
}
