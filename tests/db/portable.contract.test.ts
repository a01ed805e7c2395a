import { describe, expect, test } from 'bun:test'
import { and, asc, count, desc, eq, inArray, isNull, like, or, sql } from 'drizzle-orm'
import type { Database } from '../../src/db/client'
import { describeEachDialect, DIALECTS, type Dialect } from '../helpers/harness'
import { useMigratedDatabase } from './migrated'

/**
 * The portable query builder (`database.db`) is the PostgreSQL drizzle
 * instance seen through SQLite-flavoured types (src/db/portable.ts). This
 * suite runs every part of it the services use on each database and checks
 * that both give the same rows, with the same JavaScript types.
 */

const T0 = new Date('2024-05-01T10:00:00.000Z')
const T1 = new Date('2024-05-02T11:30:00.250Z')

/** What each dialect answered, by step, for the comparison at the end. */
const answers = new Map<Dialect, Record<string, unknown>>()

async function portableSteps(database: Database): Promise<Record<string, unknown>> {
  const { db, tables } = database
  const { users, customers, authSessions } = tables
  const out: Record<string, unknown> = {}
  const user = (email: string, role: string) => ({ email, hashedPassword: 'x', role, fullName: email, createdAt: T0, updatedAt: T0 })

  out.insertReturning = await db
    .insert(users)
    .values([user('a@example.com', 'admin'), user('b@example.com', 'user')])
    .returning()
  out.conflictIgnored = await db.insert(users).values(user('a@example.com', 'user')).onConflictDoNothing().returning({ id: users.id })
  out.conflictUpdated = await db
    .insert(users)
    .values(user('b@example.com', 'user'))
    .onConflictDoUpdate({ target: users.email, set: { fullName: 'Bea', lastLoginAt: T1 } })
    .returning({ id: users.id, fullName: users.fullName, lastLoginAt: users.lastLoginAt })

  const people = ['Ann', 'Bob', 'Cid', 'Dee', 'Eve'].map((firstName, i) => ({
    firstName,
    lastName: 'Doe',
    phone: `+1555000000${i}`,
    tags: i % 2 ? ['vip', 'ünïcode'] : [],
    isArchived: i === 4,
    deletedAt: i === 3 ? T1 : null,
    searchText: `${firstName.toLowerCase()} doe 100%_off`,
    createdAt: T0,
    updatedAt: T0,
  }))
  out.insertedIds = (await db.insert(customers).values(people).returning({ id: customers.id })).map((row) => row.id)

  const live = and(isNull(customers.deletedAt), eq(customers.isArchived, false))
  out.page = await db.select().from(customers).where(live).orderBy(desc(customers.id)).limit(2).offset(1)
  out.likeEscaped = await db
    .select({ id: customers.id })
    .from(customers)
    .where(or(sql`${customers.searchText} LIKE ${'%100\\%\\_off%'} ESCAPE '\\'`, like(customers.firstName, 'Z%')))
    .orderBy(asc(customers.id))
  out.inArray = await db
    .select({ first: customers.firstName, tags: customers.tags })
    .from(customers)
    .where(inArray(customers.id, [2, 4]))
    .orderBy(asc(customers.id))
  out.distinct = await db.selectDistinct({ lastName: customers.lastName }).from(customers)
  const matches = db.select({ one: sql`1` }).from(customers).where(live).limit(2).as('matches')
  out.cappedCount = await db.select({ value: count() }).from(matches)
  out.dollarCount = [await db.$count(customers), await db.$count(customers, live)]

  await db.insert(authSessions).values({ id: 's1', userId: 1, createdAt: T0, expiresAt: T1 })
  out.join = await db
    .select({ email: users.email, isActive: users.isActive, revokedAt: authSessions.revokedAt, expiresAt: authSessions.expiresAt })
    .from(users)
    .innerJoin(authSessions, eq(authSessions.userId, users.id))
  out.leftJoin = await db
    .select({ email: users.email, session: authSessions.id })
    .from(users)
    .leftJoin(authSessions, eq(authSessions.userId, users.id))
    .orderBy(asc(users.id))

  out.updateReturning = await db
    .update(users)
    .set({ isActive: false, lastLoginAt: T1 })
    .where(eq(users.email, 'a@example.com'))
    .returning({ id: users.id, isActive: users.isActive, lastLoginAt: users.lastLoginAt })
  out.updateExpression = await db
    .update(customers)
    .set({ estimatedValue: sql`${customers.id} * 10` })
    .where(eq(customers.id, 1))
    .returning({ value: customers.estimatedValue })
  out.deleteReturning = await db.delete(authSessions).where(eq(authSessions.id, 's1')).returning({ id: authSessions.id })
  out.afterDelete = await db.select().from(authSessions)
  return out
}

describeEachDialect('portable query builder', (dialect) => {
  const current = useMigratedDatabase(dialect)

  test('select, insert, update, delete, conflicts, joins, subqueries and counts give the expected rows and types', async () => {
    const out = await portableSteps(current())
    answers.set(dialect, out)
    const [first] = out.insertReturning as { id: number; isActive: boolean; lastLoginAt: Date | null; createdAt: Date }[]
    expect(first).toMatchObject({ id: 1, email: 'a@example.com', isActive: true, isSuperuser: false, lastLoginAt: null, createdAt: T0 })
    expect(out.conflictIgnored).toEqual([])
    expect(out.conflictUpdated).toEqual([{ id: 2, fullName: 'Bea', lastLoginAt: T1 }])
    expect(out.insertedIds).toEqual([1, 2, 3, 4, 5])
    expect((out.page as { firstName: string }[]).map((row) => row.firstName)).toEqual(['Bob', 'Ann'])
    expect(out.likeEscaped).toEqual([1, 2, 3, 4, 5].map((id) => ({ id })))
    expect(out.inArray).toEqual([
      { first: 'Bob', tags: ['vip', 'ünïcode'] },
      { first: 'Dee', tags: ['vip', 'ünïcode'] },
    ])
    expect(out.distinct).toEqual([{ lastName: 'Doe' }])
    expect(out.cappedCount).toEqual([{ value: 2 }])
    expect(out.dollarCount).toEqual([5, 3])
    expect(out.join).toEqual([{ email: 'a@example.com', isActive: true, revokedAt: null, expiresAt: T1 }])
    expect(out.leftJoin).toEqual([
      { email: 'a@example.com', session: 's1' },
      { email: 'b@example.com', session: null },
    ])
    expect(out.updateReturning).toEqual([{ id: 1, isActive: false, lastLoginAt: T1 }])
    expect(out.updateExpression).toEqual([{ value: 10 }])
    expect(out.deleteReturning).toEqual([{ id: 's1' }])
    expect(out.afterDelete).toEqual([])
  })

  test('what only one dialect has is out of the shared type, and a handle is reached only after narrowing', () => {
    const database: Database = current()
    // @ts-expect-error SQLite's raw all() is not portable
    expect(typeof database.db.all).toBe(dialect === 'sqlite' ? 'function' : 'undefined')
    // @ts-expect-error transactions differ (bun:sqlite's are synchronous): a dialect store uses its own
    void database.db.transaction
    // @ts-expect-error the bun:sqlite handle exists only on the SQLite variant
    void database.handle
    // @ts-expect-error the postgres.js pool exists only on the PostgreSQL variant
    void database.sql
    if (database.kind === 'sqlite') expect(database.handle.filename).toEndWith('crm.db')
    else expect(typeof database.sql.reserve).toBe('function')
  })
})

describe.skipIf(DIALECTS.length < 2)('portable query builder across dialects', () => {
  test('SQLite and PostgreSQL gave the same answers, step by step', () => {
    const sqlite = answers.get('sqlite')
    const postgres = answers.get('postgres')
    expect(sqlite).toBeDefined()
    expect(postgres).toEqual(sqlite as Record<string, unknown>)
  })
})
