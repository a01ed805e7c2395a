import { expect, test } from 'bun:test'
import { and, eq, inArray } from 'drizzle-orm'
import { UserManagement } from '../../src/users/management'
import { Conflict } from '../../src/http/errors'
import { bodyAs, describeEachDialect, useTestApp, type Api } from '../helpers/harness'
import { login, loginOk } from './support'

const LAST = { detail: 'Cannot remove the last active superuser' }

describeEachDialect('user administration: privilege escalation and the last superuser', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['superuser'] })
  const { superuser: root } = testApp.users

  const patch = (token: string, id: number, body: unknown) => testApp.request('PATCH', `/api/v2/admin/users/${id}`, { token, json: body })

  test('a user or an admin cannot create users, change roles, or change anyone', async () => {
    const plain = await testApp.createUser('user')
    const admin = await testApp.createUser('admin')
    for (const actor of [plain, admin]) {
      const create = await testApp.request('POST', '/api/v2/admin/users', {
        token: actor.token,
        json: { email: `esc-${actor.id}@example.com`, password: 'long enough pw', role: 'superuser' },
      })
      expect(create.status).toBe(403)
      expect(await create.json()).toEqual({ detail: 'Permission denied: requires manage_users' })
      for (const body of [{ role: 'superuser' }, { role: 'admin' }, { is_active: false }, { password: 'taken over pw' }]) {
        expect((await patch(actor.token, actor.id, body)).status).toBe(403)
        expect((await patch(actor.token, root.id, body)).status).toBe(403)
      }
      expect((await testApp.request('GET', '/api/v2/admin/users', { token: actor.token })).status).toBe(403)
    }
    const { users } = testApp.database.tables
    const [after] = await testApp.database.db.select().from(users).where(eq(users.id, plain.id))
    expect(after!.role).toBe('user')
    const [adminAfter] = await testApp.database.db.select().from(users).where(eq(users.id, admin.id))
    expect(adminAfter!.role).toBe('admin')
    expect(
      (
        await testApp.database.db
          .select()
          .from(users)
          .where(eq(users.email, `esc-${plain.id}@example.com`))
      ).length,
    ).toBe(0)
  })

  test('the last active superuser cannot be demoted or disabled', async () => {
    for (const body of [{ role: 'admin' }, { role: 'user' }, { is_active: false }, { role: 'superuser', is_active: false }]) {
      const response = await patch(root.token, root.id, body)
      expect(response.status).toBe(409)
      expect(await response.json()).toEqual(LAST)
    }
    // Harmless changes to the last superuser still work.
    const renamed = await patch(root.token, root.id, { full_name: 'Root', role: 'superuser', is_active: true })
    expect(renamed.status).toBe(200)
    expect(await renamed.json()).toMatchObject({ full_name: 'Root' })
  })

  test('with a second active superuser one may step down; a disabled superuser does not count', async () => {
    const second = await testApp.createUser('superuser')
    const demoted = await patch(root.token, second.id, { role: 'admin' })
    expect(demoted.status).toBe(200)
    expect(await demoted.json()).toMatchObject({ role: 'admin' })
    // A disabled superuser is not an active one.
    const third = await testApp.createUser('superuser')
    expect((await patch(root.token, third.id, { is_active: false })).status).toBe(200)
    expect(await (await patch(root.token, root.id, { role: 'admin' })).json()).toEqual(LAST)
    // Re-enable the third: now root can step down, and the third cannot.
    expect((await patch(root.token, third.id, { is_active: true })).status).toBe(200)
    const third2 = await loginOk(testApp, third.email, third.password)
    expect((await patch(root.token, root.id, { role: 'admin' })).status).toBe(200)
    expect(await (await patch(third2.token, third.id, { role: 'user' })).json()).toEqual(LAST)
    // Back to the start for the other tests.
    expect((await patch(third2.token, root.id, { role: 'superuser' })).status).toBe(200)
  })

  test('concurrent demotions of the last two superusers: exactly one wins', async () => {
    const a = await testApp.createUser('superuser')
    const b = await testApp.createUser('superuser')
    const { users } = testApp.database.tables
    const management = new UserManagement(testApp.ctx)
    try {
      // Only a and b are active superusers for this test.
      await testApp.database.db.update(users).set({ role: 'admin', isSuperuser: false }).where(eq(users.role, 'superuser'))
      for (let round = 0; round < 5; round++) {
        await testApp.database.db
          .update(users)
          .set({ role: 'superuser', isSuperuser: true, isActive: true })
          .where(inArray(users.id, [a.id, b.id]))
        const outcomes = await Promise.allSettled([
          management.update({ kind: 'console' }, a.id, { role: 'admin' }),
          management.update({ kind: 'console' }, b.id, round % 2 ? { isActive: false } : { role: 'user' }),
        ])
        const active = await testApp.database.db
          .select()
          .from(users)
          .where(and(eq(users.role, 'superuser'), eq(users.isActive, true)))
        expect(active.length).toBe(1)
        expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBe(1)
        const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult
        expect(refused.reason).toBeInstanceOf(Conflict)
        expect((refused.reason as Conflict).detail).toBe(LAST.detail)
      }
    } finally {
      await testApp.database.db.update(users).set({ role: 'superuser', isSuperuser: true, isActive: true }).where(eq(users.id, root.id))
    }
  })

  test('disabling a user or setting their password ends their sessions', async () => {
    const victim = await testApp.createUser('user')
    const session = await loginOk(testApp, victim.email, victim.password)
    expect((await patch(root.token, victim.id, { password: 'reset by the admin' })).status).toBe(200)
    expect((await testApp.request('GET', '/api/v2/auth/me', { token: session.token })).status).toBe(401)
    expect((await testApp.request('GET', '/api/v2/auth/me', { token: victim.token })).status).toBe(401)
    expect((await login(testApp, victim.email, 'reset by the admin')).status).toBe(200)

    const other = await testApp.createUser('user')
    const otherSession = await loginOk(testApp, other.email, other.password)
    expect((await patch(root.token, other.id, { is_active: false })).status).toBe(200)
    // The still-signed token learns why it no longer works.
    const disabled = await testApp.request('GET', '/api/v2/auth/me', { token: otherSession.token })
    expect(disabled.status).toBe(403)
    expect(await disabled.json()).toEqual({ detail: 'User account is disabled' })
    const refreshed = await testApp.request('POST', '/api/v2/auth/refresh', {
      cookies: { refresh: otherSession.refresh },
      headers: { origin: 'http://localhost:5173' },
    })
    expect(refreshed.status).toBe(401)
    expect((await login(testApp, other.email, other.password)).status).toBe(403)
    // Re-enabled: the sessions that disabling ended stay ended.
    expect((await patch(root.token, other.id, { is_active: true })).status).toBe(200)
    expect((await testApp.request('GET', '/api/v2/auth/me', { token: otherSession.token })).status).toBe(401)
    expect((await testApp.request('GET', '/api/v2/auth/me', { token: other.token })).status).toBe(401)
    expect((await login(testApp, other.email, other.password)).status).toBe(200)
  }, 20_000)

  test('no response ever contains a password hash', async () => {
    const bodies: string[] = []
    const record = async (response: Response) => {
      bodies.push(await response.text())
    }
    const created = await testApp.request('POST', '/api/v2/admin/users', {
      token: root.token,
      json: { email: 'hashcheck@example.com', password: 'long enough pw', role: 'user' },
    })
    const createdBody = await created.text()
    bodies.push(createdBody)
    const { id } = await bodyAs<Api['admin']['users']['post']>(new Response(createdBody))
    await record(await testApp.request('GET', '/api/v2/admin/users', { token: root.token }))
    await record(await patch(root.token, id, { password: 'another long pw', full_name: 'Hash Check' }))
    await record(await testApp.request('GET', '/api/v2/auth/me', { token: root.token }))
    await record(await login(testApp, 'hashcheck@example.com', 'another long pw'))
    await record(await login(testApp, 'hashcheck@example.com', 'wrong password!'))
    await record(await testApp.request('GET', '/api/v2/admin/audit?page_size=200', { token: root.token }))
    await record(await testApp.request('GET', '/api/v2/admin/stats', { token: root.token }))
    expect(bodies.length).toBe(8)
    for (const body of bodies) {
      expect(body).not.toContain('$argon2')
      expect(body).not.toContain('hashed_password')
      expect(body).not.toContain('hashedPassword')
      expect(body).not.toContain('long enough pw')
      expect(body).not.toContain('another long pw')
    }
    expect(testApp.logs.text).not.toContain('$argon2')
  })
})
