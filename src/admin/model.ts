import { t } from 'elysia'
import { ID_MAX, PageOf, PageQuery } from '../http/pagination'

const Counts = t.Record(t.String(), t.Integer())

export const AdminModel = {
  auditQuery: t.Object({
    ...PageQuery,
    action: t.Optional(t.String({ maxLength: 64 })),
    user_id: t.Optional(t.Integer({ minimum: 1, maximum: ID_MAX })),
  }),
  auditList: PageOf(
    t.Object({
      id: t.Integer(),
      action: t.String(),
      user_id: t.Nullable(t.Integer()),
      actor_email: t.Nullable(t.String()),
      target: t.Nullable(t.String()),
      ip: t.Nullable(t.String()),
      details: t.Record(t.String(), t.Unknown()),
      count: t.Integer({
        minimum: 1,
        description:
          'Occurrences: repeated anonymous events (bad webhook signatures, throttled logins) share one row per source IP, reason and minute',
      }),
      created_at: t.String({ format: 'date-time' }),
    }),
    'AuditList',
  ),
  stats: t.Object(
    {
      users: t.Object({ total: t.Integer(), active: t.Integer() }),
      customers: t.Object({ total: t.Integer() }),
      communications: t.Object({ total: t.Integer(), by_type: Counts, by_direction: Counts, by_status: Counts }),
      messages_last_24h: t.Integer(),
    },
    { title: 'Stats' },
  ),
}
