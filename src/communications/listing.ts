import { desc, eq, type SQL } from 'drizzle-orm'
import type { Database } from '../db/client'

/** Newest first, the messages matching `where`, each with its customer's names (null when not linked). */
export function messagesWithCustomerNames(database: Database, where: SQL | undefined, page: { limit: number; offset?: number }) {
  const { communications, customers } = database.tables
  return database.db
    .select({ row: communications, firstName: customers.firstName, lastName: customers.lastName })
    .from(communications)
    .leftJoin(customers, eq(customers.id, communications.customerId))
    .where(where)
    .orderBy(desc(communications.createdAt), desc(communications.id))
    .limit(page.limit)
    .offset(page.offset ?? 0)
}
