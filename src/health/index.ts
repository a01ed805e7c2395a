import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { VERSION, buildCommit } from '../version'
import { DatabaseCheck } from './check'

export function healthModule(ctx: AppContext) {
  const check = new DatabaseCheck(ctx.database)
  const commit = buildCommit()
  return new Elysia({ name: 'health', seed: ctx.id }).get(
    '/health',
    async ({ status }) => {
      if (await check.ok()) return { status: 'ok', database: 'ok', version: VERSION, commit }
      return status(503, { status: 'degraded', database: 'unavailable', version: VERSION, commit, detail: 'Database unavailable' })
    },
    {
      detail: {
        summary: 'Liveness and database check',
        description:
          'On PostgreSQL a database check that succeeded less than a second ago is reused, so polling costs at most one round trip a second; a failed check is never reused.',
        tags: ['Operations'],
      },
      response: {
        200: t.Object({
          status: t.String(),
          database: t.String(),
          version: t.String(),
          commit: t.String({ description: 'git commit of the build' }),
        }),
        503: t.Object({ status: t.String(), database: t.String(), version: t.String(), commit: t.String(), detail: t.String() }),
      },
    },
  )
}
