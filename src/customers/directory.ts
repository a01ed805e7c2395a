import { and, asc, eq, isNull, sql, type SQL } from 'drizzle-orm'
import type { Database, Tables } from '../db/client'
import { ID_MAX } from '../http/pagination'
import { NotFound } from '../http/errors'

export type CustomerRow = Tables['customers']['$inferSelect']

export const CUSTOMER_NOT_FOUND = 'Customer not found'

/** A path id: digits only and within the integer column range, else the customer cannot exist. */
export function parseCustomerId(raw: string): number {
  if (!/^\d{1,10}$/.test(raw)) throw new NotFound(CUSTOMER_NOT_FOUND)
  const id = Number(raw)
  if (id < 1 || id > ID_MAX) throw new NotFound(CUSTOMER_NOT_FOUND)
  return id
}

/**
 * Finds live customers: deleted ones are gone for every reader, archived ones
 * are still found. An address shared by several customers belongs to the oldest.
 */
export class CustomerDirectory {
  constructor(private readonly database: Database) {}

  /** The live customer with this id, or 404 "Customer not found". */
  async get(id: number): Promise<CustomerRow> {
    const [row] = await this.live(eq(this.database.tables.customers.id, id))
    if (!row) throw new NotFound(CUSTOMER_NOT_FOUND)
    return row
  }

  /** The oldest live customer with this phone number (stored as E.164). */
  async withPhone(e164: string): Promise<CustomerRow | undefined> {
    const [row] = await this.live(eq(this.database.tables.customers.phone, e164))
    return row
  }

  /** The oldest live customer with this e-mail address, compared case-insensitively. */
  async withEmail(address: string): Promise<CustomerRow | undefined> {
    const { customers } = this.database.tables
    const [row] = await this.live(sql`lower(${customers.email}) = ${address.toLowerCase()}`)
    return row
  }

  private live(match: SQL) {
    const { customers } = this.database.tables
    return this.database.db
      .select()
      .from(customers)
      .where(and(match, isNull(customers.deletedAt)))
      .orderBy(asc(customers.id))
      .limit(1)
  }
}
