import { and, eq, inArray } from 'drizzle-orm'
import type { Database } from '../db/client'

/** SMS opt-out state per E.164 number, whether or not a customer has it. */
export class OptOutService {
  constructor(private readonly database: Database) {}

  async isOptedOut(phoneE164: string): Promise<boolean> {
    const { smsOptOuts } = this.database.tables
    const [row] = await this.database.db.select({ optedOut: smsOptOuts.optedOut }).from(smsOptOuts).where(eq(smsOptOuts.phone, phoneE164))
    return row?.optedOut ?? false
  }

  async set(phoneE164: string, optedOut: boolean): Promise<void> {
    const { smsOptOuts } = this.database.tables
    const now = new Date()
    await this.database.db
      .insert(smsOptOuts)
      .values({ phone: phoneE164, optedOut, updatedAt: now })
      .onConflictDoUpdate({ target: smsOptOuts.phone, set: { optedOut, updatedAt: now } })
  }

  /** The opted-out numbers among `phones`, for showing `sms_opt_out` on customer lists in one query. */
  async optedOutAmong(phones: string[]): Promise<Set<string>> {
    if (phones.length === 0) return new Set()
    if (this.database.kind === 'postgres') {
      // One prepared statement over an array: drizzle's unnamed query with an IN list costs postgres.js a describe round trip first.
      const rows = await this.database.sql<
        { phone: string }[]
      >`SELECT phone FROM sms_opt_outs WHERE opted_out AND phone = ANY(${this.database.sql.array(phones)})`
      return new Set(rows.map((r) => r.phone))
    }
    const { smsOptOuts } = this.database.tables
    const rows = await this.database.db
      .select({ phone: smsOptOuts.phone })
      .from(smsOptOuts)
      .where(and(eq(smsOptOuts.optedOut, true), inArray(smsOptOuts.phone, phones)))
    return new Set(rows.map((r) => r.phone))
  }
}
