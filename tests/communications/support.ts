import { afterAll, beforeAll } from 'bun:test'
import { eq } from 'drizzle-orm'
import {
  createTestApp,
  useTestApp,
  type TestAppOptions,
  type Dialect,
  type TestAppFixture,
  type UseTestAppOptions,
} from '../helpers/harness'
import type { FakeTwilio } from '../../testkit/fakes/twilio'
import { fakeTwilio, twilioEnv } from '../../testkit/twilio'
import type { Database } from '../../src/db/client'
import type { Role } from '../../src/auth/permissions'

/** SMS limits high enough that a test never meets the limiter (tests/ratelimit covers it). */
export const SMS_LIMITS_OUT_OF_THE_WAY = {
  RATE_LIMIT_SMS_PER_MINUTE: '1000',
  RATE_LIMIT_SMS_PER_HOUR: '1000',
  RATE_LIMIT_SMS_PER_DESTINATION_HOUR: '1000',
}

export interface SmsAppFixture<R extends Role> {
  testApp: TestAppFixture<R>
  /** The fake Twilio the app sends to (started with the app). */
  readonly twilio: FakeTwilio
}

/** useTestApp wired to a fresh fake Twilio, for the enclosing describe block. */
export function useSmsApp<const R extends Role = never>(
  dialect: Dialect,
  env: Record<string, string> = {},
  options: Omit<UseTestAppOptions<R>, 'env'> = {},
): SmsAppFixture<R> {
  let twilio: FakeTwilio | undefined
  beforeAll(() => {
    twilio = fakeTwilio()
  })
  afterAll(() => twilio?.close())
  const testApp = useTestApp(dialect, { ...options, env: () => twilioEnv(twilio!, env) })
  return {
    testApp,
    get twilio() {
      if (!twilio) throw new Error('useSmsApp: the fake Twilio starts in beforeAll')
      return twilio
    },
  }
}

/** An app wired to a fresh fake Twilio, for one test; the caller closes it. */
export async function smsApp(dialect: Dialect, env: Record<string, string> = {}, options: Omit<TestAppOptions, 'env'> = {}) {
  const twilio = fakeTwilio()
  const testApp = await createTestApp(dialect, { ...options, env: twilioEnv(twilio, env) })
  return {
    testApp,
    twilio,
    async close() {
      await testApp.close()
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
