import { Elysia, ElysiaCustomStatusResponse, StatusMap } from 'elysia'
import type { AppContext } from '../context'
import { requestInfo } from './request-context'
import { writeRequestLine } from '../logger'

/** Requests that matched no route share one label, so scanners cannot blow up the metric series. */
const UNMATCHED_ROUTE = 'unmatched'

export interface RequestRecord {
  method: string
  route: string
  status: number
  startedAt: number | undefined
  requestId: string | undefined
  userId: number | undefined
}

function numericStatus(status: number | string | undefined): number {
  if (typeof status === 'number') return status
  if (status === undefined) return 200
  return (StatusMap as Record<string, number>)[status] ?? 200
}

/**
 * One line per request and the request metrics. Only the route pattern is
 * logged, never the concrete path or query (they can hold names, numbers or
 * search terms), and no header or body. The line is not built at all when the
 * level is above info.
 */
export function recordRequest(ctx: AppContext, record: RequestRecord): void {
  const ms = record.startedAt === undefined ? 0 : Math.round((performance.now() - record.startedAt) * 100) / 100
  ctx.metrics.observeRequest(record.method, record.route, record.status, ms / 1000)
  writeRequestLine(ctx.logger, {
    requestId: record.requestId,
    method: record.method,
    route: record.route,
    status: record.status,
    ms,
    userId: record.userId,
  })
}

/** The handler's user, when an auth macro resolved one (an adapter over the untyped context). */
function userIdOf(user: unknown): number | undefined {
  const id = (user as { id?: unknown } | undefined)?.id
  return typeof id === 'number' ? id : undefined
}

/** What a finished request's context tells the log (property reads only, see `requestLog`). */
export interface AnsweredRequest {
  request: Request
  set: { status?: number | string }
  route?: string
  user?: unknown
}

/**
 * Logs and counts a request once, with the status it is answered with. Called
 * where each answer is decided: `requestLog` for routes, the error handler for
 * everything that failed (404 and 405 included), CORS for preflights.
 */
export function recordAnswer(ctx: AppContext, context: AnsweredRequest, status: number): void {
  const info = requestInfo(context.set)
  if (info?.recorded) return
  if (info) info.recorded = true
  recordRequest(ctx, {
    method: context.request.method,
    route: context.route || UNMATCHED_ROUTE,
    status,
    startedAt: info?.startedAt,
    requestId: info?.id,
    userId: userIdOf(context.user),
  })
}

/** The status a route's return value is answered with. */
function answeredStatus(value: unknown, set: { status?: number | string }): number {
  if (value instanceof ElysiaCustomStatusResponse) return value.code
  if (value instanceof Response) return value.status
  return numericStatus(set.status)
}

/**
 * One line per request and the request metrics, for what the routes answer.
 * Recorded as the answer is mapped, not after it is sent: Elysia runs
 * after-response hooks from a setImmediate per request, which cost more than
 * the rest of a /health answer. A response that then fails its own validation
 * goes to the error handler, which records it instead (once per request).
 * Only property reads of `context`: Elysia infers from this hook's source what
 * every request must prepare, and handing `context` on would make it parse
 * cookies, query and headers for every route.
 */
export function requestLog(ctx: AppContext) {
  return new Elysia({ name: 'request-log', seed: ctx.id }).mapResponse({ as: 'global' }, (context) => {
    const c = context as typeof context & { responseValue?: unknown; route?: string; user?: unknown }
    recordAnswer(ctx, { request: c.request, set: c.set, route: c.route, user: c.user }, answeredStatus(c.responseValue, c.set))
    // Handed back unchanged: on its error path Elysia answers with whatever this hook returns.
    return c.responseValue as Response | undefined
  })
}
