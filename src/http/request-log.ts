import { Elysia, StatusMap } from 'elysia'
import type { AppContext } from '../context'
import { requestInfo } from './request-context'

/** Requests that matched no route share one label, so scanners cannot blow up the metric series. */
export const UNMATCHED_ROUTE = 'unmatched'

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
 * search terms), and no header or body.
 */
export function recordRequest(ctx: AppContext, record: RequestRecord): void {
  const ms = record.startedAt === undefined ? 0 : Math.round((performance.now() - record.startedAt) * 100) / 100
  const status = String(record.status)
  ctx.metrics.requests.inc({ method: record.method, route: record.route, status })
  ctx.metrics.requestDuration.observe({ route: record.route }, ms / 1000)
  const line: Record<string, unknown> = { requestId: record.requestId, method: record.method, route: record.route, status: record.status, ms }
  if (record.userId !== undefined) line.userId = record.userId
  ctx.logger.info(line, 'request')
}

/** The handler's user, when an auth macro resolved one (an adapter over the untyped context). */
function userIdOf(context: object): number | undefined {
  const user = (context as { user?: { id?: unknown } }).user
  return typeof user?.id === 'number' ? user.id : undefined
}

export function requestLog(ctx: AppContext) {
  return new Elysia({ name: 'request-log', seed: ctx.id }).onAfterResponse({ as: 'global' }, (context) => {
    const { request, set } = context
    const response = (context as { response?: unknown }).response
    const info = requestInfo(set)
    recordRequest(ctx, {
      method: request.method,
      route: (context as { route?: string }).route || UNMATCHED_ROUTE,
      status: response instanceof Response ? response.status : numericStatus(set.status),
      startedAt: info?.startedAt,
      requestId: info?.id,
      userId: userIdOf(context),
    })
  })
}
