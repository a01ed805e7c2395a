import { eq } from 'drizzle-orm'
import { createTestApp, type Dialect, type TestAppOptions } from '../helpers/harness'
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio'
import type { Database } from '../../src/db/client'

export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`
export const AUTH_TOKEN = 'fake-twilio-auth-token-0123456789'
export const SENDER = '+15005550006'

export function twilioEnv(twilio: FakeTwilio, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: SENDER,
    TWILIO_API_BASE_URL: twilio.url,
    TWILIO_TIMEOUT_MS: '2000',
    ...extra,
  }
}

export function fakeTwilio(): FakeTwilio {
  return startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN })
}

/** An app wired to a fresh fake Twilio. */
export async function smsApp(dialect: Dialect, env: Record<string, string> = {}, options: Omit<TestAppOptions, 'env'> = {}) {
  const twilio = fakeTwilio()
  const t = await createTestApp(dialect, { ...options, env: twilioEnv(twilio, env) })
  return {
    t,
    twilio,
    async close() {
      await t.close()
      await twilio.close()
    },
  }
}

/** Test data written straight into the customers table (the customers API is not under test here). */
export async function insertCustomer(
  database: Database,
  fields: { firstName?: string; lastName?: string; phone?: string | null; email?: string | null; deleted?: boolean },
): Promise<number> {
  const now = new Date()
  const [row] = await database.db
    .insert(database.tables.customers)
    .values({
      firstName: fields.firstName ?? 'Ada',
      lastName: fields.lastName ?? 'Lovelace',
      phone: fields.phone ?? null,
      email: fields.email ?? null,
      createdAt: now,
      updatedAt: now,
      deletedAt: fields.deleted ? now : null,
    })
    .returning({ id: database.tables.customers.id })
  return row!.id
}

export async function communicationRow(database: Database, id: number) {
  const { communications } = database.tables
  const [row] = await database.db.select().from(communications).where(eq(communications.id, id))
  return row
}

export async function allCommunications(database: Database) {
  return database.db.select().from(database.tables.communications)
}
