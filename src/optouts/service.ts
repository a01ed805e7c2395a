import type { Database as SqliteHandle, Statement } from 'bun:sqlite'
import { eq } from 'drizzle-orm'
import type { Database } from '../db/client'

/** One statement per SQLite connection, prepared on first use; the phones travel as one JSON array. */
const optedOutAmongSqlite = new WeakMap<SqliteHandle, Statement<[string], [string]>>()

function sqliteOptedOutAmong(handle: SqliteHandle): Statement<[string], [string]> {
  let statement = optedOutAmongSqlite.get(handle)
  if (!statement) {
    statement = handle.prepare<[string], [string]>(
      'SELECT phone FROM sms_opt_outs WHERE opted_out AND phone IN (SELECT value FROM json_each(?))',
    )
    optedOutAmongSqlite.set(handle, statement)
  }
  return statement
}

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
    // Every customer page asks this: drizzle building the IN list cost more than the lookup.
    const rows = sqliteOptedOutAmong(this.database.handle).values(JSON.stringify(phones))
    return new Set(rows.map(([phone]) => String(phone)))
  }
}
