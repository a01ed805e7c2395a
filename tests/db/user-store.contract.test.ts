import { beforeEach, expect, test } from 'bun:test'
import { createUserStore, type UserStore } from '../../src/users/store'
import { describeEachDialect } from '../helpers/harness'
import { useMigratedDatabase } from './migrated'

/** The UserStore contract, run against the implementation of each database: an active superuser always remains. */
describeEachDialect('UserStore contract', (dialect) => {
  const current = useMigratedDatabase(dialect)
  let store: UserStore
  let root: number
  let admin: number

  beforeEach(async () => {
    const { db, tables } = current()
    const { users } = tables
    await db.delete(users)
    const rows = await db
      .insert(users)
      .values([
        { email: 'root@example.com', hashedPassword: 'x', role: 'superuser', isSuperuser: true },
        { email: 'admin@example.com', hashedPassword: 'x', role: 'admin' },
      ])
      .returning({ id: users.id })
    root = rows[0]!.id
    admin = rows[1]!.id
    store = createUserStore(current())
  })

  const demote = (id: number) => store.updateUnlessLastSuperuser(id, { role: 'admin', isSuperuser: false }, { role: 'admin' })
  const promote = (id: number) => store.updateUnlessLastSuperuser(id, { role: 'superuser', isSuperuser: true }, { role: 'superuser' })

  test('a change that keeps access applies and returns the whole row', async () => {
    const row = await store.updateUnlessLastSuperuser(root, { fullName: 'Root' }, {})
    expect(row).toMatchObject({ id: root, email: 'root@example.com', fullName: 'Root', role: 'superuser', isActive: true })
    expect(row?.createdAt).toBeInstanceOf(Date)
  })

  test('the last active superuser can be neither demoted nor disabled', async () => {
    expect(await demote(root)).toBeUndefined()
    expect(await store.updateUnlessLastSuperuser(root, { isActive: false }, { isActive: false })).toBeUndefined()
    // Refused means untouched.
    expect(await store.updateUnlessLastSuperuser(root, { fullName: 'Still' }, {})).toMatchObject({ role: 'superuser', isActive: true })
  })

  test('with a second active superuser, one may go; then the other is the last', async () => {
    expect((await promote(admin))?.role).toBe('superuser')
    expect((await demote(root))?.role).toBe('admin')
    expect(await store.updateUnlessLastSuperuser(admin, { isActive: false }, { isActive: false })).toBeUndefined()
  })

  test('other users change freely, and an unknown id changes nothing', async () => {
    expect((await store.updateUnlessLastSuperuser(admin, { isActive: false }, { isActive: false }))?.isActive).toBe(false)
    expect(await store.updateUnlessLastSuperuser(9999, { fullName: 'Nobody' }, {})).toBeUndefined()
  })

  test('two superusers demoted at the same moment: exactly one demotion passes', async () => {
    await promote(admin)
    const results = await Promise.all([demote(root), demote(admin)])
    expect(results.filter((row) => row !== undefined)).toHaveLength(1)
  })
})
