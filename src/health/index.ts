import { Elysia, status, t } from 'elysia'
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
  // One answer object each: nothing in them changes between requests.
  const unavailable = status(503, { status: 'degraded', database: 'unavailable', version: VERSION, commit, detail: 'Database unavailable' })
  // SQLite has nothing to wait for, so its answer is synchronous and Elysia composes the route without
  // promises. Elysia decides that from the handler's source, where any call after `return` or `=>` looks
  // asynchronous: hence the getter.
  const sqlite = {
    get answer() {
      return check.okNow() ? healthy : unavailable
    },
  }
  const answer = ctx.database.kind === 'sqlite' ? () => sqlite.answer : async () => ((await check.ok()) ? healthy : unavailable)
  return new Elysia({ name: 'health', seed: ctx.id }).get('/health', answer, {
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
  })
}
