import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { VERSION } from '../version'

export function healthModule(ctx: AppContext) {
  return new Elysia({ name: 'health', seed: ctx.id }).get(
    '/health',
    async ({ set }) => {
      try {
        await ctx.database.ping()
        return { status: 'ok', database: 'ok', version: VERSION }
      } catch {
        set.status = 503
        return { status: 'degraded', database: 'unavailable', version: VERSION, detail: 'Database unavailable' }
      }
    },
    {
      detail: { summary: 'Liveness and database check', tags: ['Operations'] },
      response: {
        200: t.Object({ status: t.String(), database: t.String(), version: t.String() }),
        503: t.Object({ status: t.String(), database: t.String(), version: t.String(), detail: t.String() }),
      },
    },
  )
}
