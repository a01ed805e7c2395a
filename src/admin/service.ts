import { count, eq, gte, isNull } from 'drizzle-orm'
import type { Database } from '../db/client'

/** Counts for the admin dashboard; drizzle's count() so both dialects answer numbers. */
export class StatsService {
  constructor(private readonly database: Database) {}

  private async grouped(column: 'type' | 'direction' | 'status'): Promise<Record<string, number>> {
    const { communications } = this.database.tables
    const rows = await this.database.db
      .select({ key: communications[column], value: count() })
      .from(communications)
      .groupBy(communications[column])
    return Object.fromEntries(rows.map((row) => [row.key, row.value]))
  }

  async stats(now = new Date()) {
    const { db, tables } = this.database
    const { users, customers, communications } = tables
    const since = new Date(now.getTime() - 86_400_000)
    const [usersTotal, usersActive, customersTotal, communicationsTotal, last24h, byType, byDirection, byStatus] = await Promise.all([
      db.$count(users),
      db.$count(users, eq(users.isActive, true)),
      db.$count(customers, isNull(customers.deletedAt)),
      db.$count(communications),
      db.$count(communications, gte(communications.createdAt, since)),
      this.grouped('type'),
      this.grouped('direction'),
      this.grouped('status'),
    ])
    return {
      users: { total: usersTotal, active: usersActive },
      customers: { total: customersTotal },
      communications: { total: communicationsTotal, by_type: byType, by_direction: byDirection, by_status: byStatus },
      messages_last_24h: last24h,
    }
  }
}
