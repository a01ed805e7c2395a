import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { describeEachDialect, expectBody, useTestApp } from '../helpers/harness'

describeEachDialect('admin audit and stats', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['admin'] })
  const { admin } = testApp.users

  test('stats counts users, customers (not deleted) and communications by type, direction and status', async () => {
    const disabled = await testApp.createUser('user')
    const { users, customers, communications } = testApp.database.tables
    await testApp.database.db.update(users).set({ isActive: false }).where(eq(users.id, disabled.id))
    await testApp.database.db.insert(customers).values([
      { firstName: 'Ada', lastName: 'Lovelace' },
      { firstName: 'Alan', lastName: 'Turing' },
      { firstName: 'Gone', lastName: 'Away', deletedAt: new Date() },
    ])
    const old = new Date(Date.now() - 3 * 86_400_000)
    await testApp.database.db.insert(communications).values([
      { type: 'sms', direction: 'outbound', status: 'sent', toAddress: '+15550000001', content: 'a' },
      { type: 'sms', direction: 'inbound', status: 'received', toAddress: '+15550000002', content: 'b' },
      { type: 'sms', direction: 'outbound', status: 'failed', toAddress: '+15550000003', content: 'c', createdAt: old },
      { type: 'email', direction: 'outbound', status: 'sent', toAddress: 'x@example.com', content: 'd' },
    ])
    const response = await testApp.request('GET', '/api/v2/admin/stats', { token: admin.token })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      users: { total: 2, active: 1 },
      customers: { total: 2 },
      communications: {
        total: 4,
        by_type: { sms: 3, email: 1 },
        by_direction: { outbound: 3, inbound: 1 },
        by_status: { sent: 2, received: 1, failed: 1 },
      },
      messages_last_24h: 3,
    })
  })

  test('audit lists newest first with the list shape and filters', async () => {
    await testApp.request('POST', '/api/v2/auth/login', { json: { email: admin.email, password: 'wrong password!' } })
    await testApp.request('POST', '/api/v2/auth/login', { json: { email: admin.email, password: admin.password } })
    await testApp.request('GET', '/api/v2/admin/users', { token: admin.token })
    const audit = testApp.client(admin).api.v2.admin.audit
    const all = expectBody(await audit.get(), 200)
    expect(all.page).toBe(1)
    expect(all.page_size).toBe(50)
    expect(all.total).toBe(all.items.length)
    const ids = all.items.map((i) => i.id)
    expect(ids).toEqual([...ids].sort((a, b) => b - a))
    expect(all.items[0]!.action).toBe('permission.denied')
    const actions = all.items.map((i) => i.action)
    expect(actions).toEqual(expect.arrayContaining(['login.failure', 'login.success', 'permission.denied']))
    const failure = all.items.find((i) => i.action === 'login.failure')!
    expect(failure.actor_email).toBe(admin.email)
    expect(failure.ip).toBeTruthy()

    const filtered = expectBody(await audit.get({ query: { action: 'login.success' } }), 200)
    expect(filtered.total).toBe(1)
    expect(filtered.items.every((i) => i.action === 'login.success')).toBe(true)
    const byUser = expectBody(await audit.get({ query: { user_id: admin.id, page_size: 1 } }), 200)
    expect(byUser.page_size).toBe(1)
    expect(byUser.items.length).toBe(1)
    expect(byUser.total).toBeGreaterThanOrEqual(2)
    expect(byUser.items[0]!.user_id).toBe(admin.id)
    for (const query of ['page=0', 'page_size=500', 'user_id=abc', 'user_id=99999999999']) {
      expect((await testApp.request('GET', `/api/v2/admin/audit?${query}`, { token: admin.token })).status).toBe(422)
    }
  })

  test('a plain user gets 403 on both', async () => {
    const user = await testApp.createUser('user')
    for (const path of ['/api/v2/admin/stats', '/api/v2/admin/audit']) {
      const response = await testApp.request('GET', path, { token: user.token })
      expect(response.status).toBe(403)
      expect(await response.json()).toEqual({ detail: 'Permission denied: requires admin_panel' })
    }
  })
})
