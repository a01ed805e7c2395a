import { Elysia, t } from 'elysia'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { AppContext } from '../context'
import { ErrorBody, Unauthorized } from '../http/errors'

/** Compares digests, so neither the token's content nor its length leaks through timing. */
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/**
 * `GET /metrics` in Prometheus text format; behind `Authorization: Bearer METRICS_TOKEN`
 * when that is set. Production without a token has no /metrics at all (404):
 * route names and counts are not for the public.
 */
export function metricsModule(ctx: AppContext) {
  const token = ctx.config.metricsToken
  const plugin = new Elysia({ name: 'metrics', seed: ctx.id })
  if (ctx.config.isProduction && token === undefined) return plugin
  return plugin.get(
    '/metrics',
    async ({ request, set }) => {
      if (token !== undefined) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')
        if (!match?.[1] || !sameSecret(match[1], token)) {
          ctx.metrics.authFailures.inc({ reason: 'metrics' })
          throw new Unauthorized()
        }
      }
      set.headers['content-type'] = ctx.metrics.registry.contentType
      set.headers['cache-control'] = 'no-store'
      return ctx.metrics.render()
    },
    {
      detail: {
        summary: 'Prometheus metrics',
        description:
          'Request counts by route pattern and status, request durations, 401/403/429 counters by reason, webhook signature failures, messages by channel and status. Needs `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set; in production it exists only when METRICS_TOKEN is set.',
        tags: ['Operations'],
        security: [{ metricsToken: [] }, {}],
      },
      response: {
        200: t.String({ description: 'Prometheus text exposition format' }),
        401: ErrorBody,
      },
    },
  )
}
