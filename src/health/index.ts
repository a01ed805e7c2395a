import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { VERSION, buildCommit } from '../version'

export function healthModule(ctx: AppContext) {
  const commit = buildCommit()
  return new Elysia({ name: 'health', seed: ctx.id }).get(
    '/health',
    async ({ set }) => {
      try {
        await ctx.database.ping()
        return { status: 'ok', database: 'ok', version: VERSION, commit }
      } catch {
        set.status = 503
        return { status: 'degraded', database: 'unavailable', version: VERSION, commit, detail: 'Database unavailable' }
      }
    },
    {
      detail: { summary: 'Liveness and database check', tags: ['Operations'] },
      response: {
        200: t.Object({ status: t.String(), database: t.String(), version: t.String(), commit: t.String({ description: 'git commit of the build' }) }),
        503: t.Object({ status: t.String(), database: t.String(), version: t.String(), commit: t.String(), detail: t.String() }),
      },
    },
  )
}
