import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { uncheckedResponse } from '../docs/unchecked-response'
import { VERSION, buildCommit } from '../version'
import { DatabaseCheck } from './check'

const HealthyBody = t.Object({
  status: t.String(),
  database: t.String(),
  version: t.String(),
  commit: t.String({ description: 'git commit of the build' }),
})
const DegradedBody = t.Object({ status: t.String(), database: t.String(), version: t.String(), commit: t.String(), detail: t.String() })

export function healthModule(ctx: AppContext) {
  const check = new DatabaseCheck(ctx.database)
  const commit = buildCommit()
  const healthy: typeof HealthyBody.static = { status: 'ok', database: 'ok', version: VERSION, commit }
  return new Elysia({ name: 'health', seed: ctx.id }).get(
    '/health',
    async ({ status }) => {
      if (await check.ok()) return healthy
      return status(503, { status: 'degraded', database: 'unavailable', version: VERSION, commit, detail: 'Database unavailable' })
    },
    {
      detail: {
        summary: 'Liveness and database check',
        description:
          'On PostgreSQL a database check that succeeded less than a second ago is reused, so polling costs at most one round trip a second; a failed check is never reused.',
        tags: ['Operations'],
        // The cheapest answer there is, polled by every load balancer: checked by the conformance tests, not per request.
        responses: {
          200: uncheckedResponse('The server and its database answer', HealthyBody),
          503: uncheckedResponse('The database does not answer', DegradedBody),
        },
      },
    },
  )
}
