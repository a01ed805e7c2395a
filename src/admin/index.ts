import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { authPlugin } from '../auth/plugin'
import { AdminModel } from './model'
import { ID_MAX, pageOf, pageWindow, queryInteger } from '../http/pagination'
import type { FieldError } from '../http/errors'
import { StatsService } from './service'

const tags = ['Admin']

/** The admin panel's read-only views (`admin_panel`). */
export function adminModule(ctx: AppContext) {
  const stats = new StatsService(ctx.database)
  return new Elysia({ name: 'admin', seed: ctx.id, prefix: '/api/v2/admin' })
    .use(authPlugin(ctx))
    .get(
      '/audit',
      async ({ query }) => {
        // Checked here too: the bound must hold whatever the query coercion did.
        const errors: FieldError[] = []
        const userId = queryInteger('user_id', query.user_id, 1, ID_MAX, errors)
        const window = pageWindow(query, undefined, errors)
        const { items, total } = await ctx.audit.list({ page: window.page, pageSize: window.pageSize, action: query.action, userId })
        return pageOf(items, total, window)
      },
      {
        permission: 'admin_panel',
        query: AdminModel.auditQuery,
        response: { 200: AdminModel.auditList },
        detail: {
          tags,
          summary: 'Audit log, newest first',
          description:
            'Logins, denials, rate-limit hits, signature failures, user changes, customer deletions: who, what, when, from which IP. Filters: action, user_id.',
        },
      },
    )
    .get('/stats', () => stats.stats(), {
      permission: 'admin_panel',
      response: { 200: AdminModel.stats },
      detail: { tags, summary: 'Counts of users, customers and messages' },
    })
}
