import { Elysia, StatusMap } from 'elysia'
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

export function requestLog(ctx: AppContext) {
  // Only property reads of `context`, never the whole object passed on: Elysia infers from this
  // hook's source what every request must prepare, and handing `context` to a function would
  // make it parse cookies, query and headers for every route.
  return new Elysia({ name: 'request-log', seed: ctx.id }).onAfterResponse({ as: 'global' }, (context) => {
    const c = context as typeof context & { response?: unknown; route?: string; user?: unknown }
    const info = requestInfo(c.set)
    const response = c.response
    recordRequest(ctx, {
      method: c.request.method,
      route: c.route || UNMATCHED_ROUTE,
      status: response instanceof Response ? response.status : numericStatus(c.set.status),
      startedAt: info?.startedAt,
      requestId: info?.id,
      userId: userIdOf(c.user),
    })
  })
}
