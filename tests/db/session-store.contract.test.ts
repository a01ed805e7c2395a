import { beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { createSessionStore, type SessionStore } from '../../src/auth/session-lookup'
import { describeEachDialect } from '../helpers/harness'
import { useMigratedDatabase } from './migrated'

const T0 = new Date('2024-05-01T10:00:00.000Z')
const T1 = new Date('2024-05-02T11:30:00.250Z')
const LATER = new Date('2030-01-01T00:00:00.000Z')

/** The SessionStore contract, run against the implementation of each database. */
describeEachDialect('SessionStore contract', (dialect) => {
  const current = useMigratedDatabase(dialect)
  let store: SessionStore
  let ann: number
  let bob: number

  beforeAll(async () => {
    const { db, tables } = current()
    const { users, authSessions } = tables
    const rows = await db
      .insert(users)
      .values([
        {
          email: 'ann@example.com',
          hashedPassword: 'x',
          role: 'admin',
          fullName: 'Ann Lee',
          firstName: 'Ann',
          lastName: 'Lee',
          createdAt: T0,
        },
        { email: 'bob@example.com', hashedPassword: 'x', role: 'user', isActive: false, lastLoginAt: T1, totpEnabledAt: T1, createdAt: T0 },
      ])
      .returning({ id: users.id })
    ann = rows[0]!.id
    bob = rows[1]!.id
    await db.insert(authSessions).values([
      { id: 'ann-live', userId: ann, expiresAt: LATER, createdAt: T0 },
      { id: 'ann-revoked', userId: ann, expiresAt: LATER, revokedAt: T1, createdAt: T0 },
      { id: 'bob-live', userId: bob, expiresAt: LATER, createdAt: T0 },
    ])
    store = createSessionStore(current())
  })

  test('a live session of the user: the user row with the session not revoked', async () => {
    expect(await store.lookup(ann, 'ann-live')).toEqual({
      id: ann,
      email: 'ann@example.com',
      fullName: 'Ann Lee',
      firstName: 'Ann',
      lastName: 'Lee',
      lastLoginAt: null,
      role: 'admin',
      isSuperuser: false,
      isActive: true,
      createdAt: T0,
      sessionRevokedAt: null,
      twoFactorEnabled: false,
    })
  })

  test('a revoked session says when; inactive users, last logins and two-factor come through', async () => {
    expect((await store.lookup(ann, 'ann-revoked'))?.sessionRevokedAt).toEqual(T1)
    expect(await store.lookup(bob, 'bob-live')).toMatchObject({ isActive: false, lastLoginAt: T1, twoFactorEnabled: true })
  })

  test('another user’s session, an unknown session or an unknown user: nothing', async () => {
    expect(await store.lookup(ann, 'bob-live')).toBeUndefined()
    expect(await store.lookup(ann, 'no-such-session')).toBeUndefined()
    expect(await store.lookup(9999, 'ann-live')).toBeUndefined()
  })

  test('asking again answers the same (a statement prepared once serves every request)', async () => {
    const first = await store.lookup(ann, 'ann-live')
    expect(await store.lookup(ann, 'ann-live')).toEqual(first)
  })

  test('touch records last_used_at without being awaited', async () => {
    const { db, tables } = current()
    const { authSessions } = tables
    const at = Date.UTC(2024, 5, 1, 12, 0, 0, 125)
    expect(store.touch('ann-live', at)).toBeUndefined()
    const usedAt = async () =>
      (await db.select({ lastUsedAt: authSessions.lastUsedAt }).from(authSessions).where(eq(authSessions.id, 'ann-live')))[0]?.lastUsedAt
    const deadline = Date.now() + 5_000
    let lastUsedAt = await usedAt()
    while (!lastUsedAt && Date.now() < deadline) {
      await Bun.sleep(20)
      lastUsedAt = await usedAt()
    }
    expect(lastUsedAt).toEqual(new Date(at))
  })

  test('touching an unknown session is harmless', () => {
    expect(() => store.touch('no-such-session', Date.now())).not.toThrow()
  })
})
