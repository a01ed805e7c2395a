import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { describeEachDialect, freshDatabase, type Dialect } from '../helpers/harness'
import { runMigrations } from '../../src/db/migrate'
import type { Database } from '../../src/db/client'
import { UserService } from '../../src/users/service'

describeEachDialect('data layer', (dialect: Dialect) => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>
  let database: Database
  beforeAll(async () => {
    fresh = await freshDatabase(dialect)
    database = fresh.database
    await runMigrations(database)
  })
  afterAll(() => fresh.drop())

  test('migrations are idempotent', async () => {
    await runMigrations(database)
    await database.ping()
  })

  test('users round-trip with booleans, dates and a unique email', async () => {
    const users = new UserService(database)
    const row = await users.create({ email: 'Ann@Example.com', password: 'long enough password', role: 'admin', fullName: 'Ann' })
    expect(row.email).toBe('ann@example.com')
    expect(row.isActive).toBe(true)
    expect(row.isSuperuser).toBe(false)
    expect(row.createdAt).toBeInstanceOf(Date)
    expect(row.hashedPassword).toStartWith('$argon2id$')
    expect((await users.findByEmail('ANN@example.com'))?.id).toBe(row.id)
    await expect(users.create({ email: 'ann@example.com', password: 'another password', role: 'user' })).rejects.toThrow(
      'Email already registered',
    )
    expect(await users.count()).toBe(1)
  })

  test('json columns and counts behave the same on both dialects', async () => {
    const { customers } = database.tables
    const [row] = await database.db
      .insert(customers)
      .values({ firstName: 'A', lastName: 'B', tags: ['vip', 'ünïcode'], createdAt: new Date(), updatedAt: new Date() })
      .returning()
    expect(row!.tags).toEqual(['vip', 'ünïcode'])
    const [again] = await database.db.select().from(customers).where(eq(customers.id, row!.id))
    expect(again!.tags).toEqual(['vip', 'ünïcode'])
    expect(await database.db.$count(customers)).toBe(1)
  })

  test('the legacy is_superuser column can be set with plain SQL', async () => {
    if (database.kind === 'sqlite') database.handle.run("UPDATE api_users SET is_superuser = true WHERE email = 'ann@example.com'")
    else await database.sql`UPDATE api_users SET is_superuser = true WHERE email = 'ann@example.com'`
    const users = new UserService(database)
    expect((await users.findByEmail('ann@example.com'))!.isSuperuser).toBe(true)
  })
})

test.skipIf(!process.env.TEST_DATABASE_URL)('two PostgreSQL replicas migrating at once both succeed', async () => {
  const fresh = await freshDatabase('postgres')
  const { openPostgres } = await import('../../src/db/postgres')
  const second = openPostgres(fresh.url)
  try {
    await Promise.all([runMigrations(fresh.database), runMigrations(second)])
    await fresh.database.ping()
  } finally {
    await second.close()
    await fresh.drop()
  }
})
