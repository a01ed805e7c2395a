import { expect, test } from 'bun:test'
import { bodyAs, describeEachDialect, errorBody, errorFields, expectBody, USER_VIEW_KEYS, useTestApp, type Api } from '../helpers/harness'

describeEachDialect('admin users routes', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['superuser'] })
  const { superuser: root } = testApp.users

  // Raw: the role names are not in the body's static type, and some bodies here are refused on purpose.
  const create = (body: Record<string, unknown>) => testApp.request('POST', '/api/v2/admin/users', { token: root.token, json: body })
  const userOf = (response: Response) => bodyAs<Api['admin']['users']['post']>(response)
  const users = () => testApp.client(root).api.v2.admin.users

  test('POST creates a user: 201 with exactly the public fields; the new user can log in', async () => {
    const response = await create({ email: 'New.Person@Example.com', password: 'a fine password', full_name: 'New Person', role: 'admin' })
    expect(response.status).toBe(201)
    const user = await userOf(response)
    expect(Object.keys(user).sort()).toEqual(USER_VIEW_KEYS)
    expect(user).toMatchObject({ email: 'new.person@example.com', full_name: 'New Person', role: 'admin', is_active: true })
    expect(user.permissions).toEqual([
      'send_sms',
      'send_email',
      'view_customers',
      'edit_customers',
      'delete_customers',
      'view_all_communications',
      'admin_panel',
    ])
    expect(new Date(user.created_at).toISOString()).toBe(user.created_at)
    const login = await testApp.request('POST', '/api/v2/auth/login', {
      json: { email: 'new.person@example.com', password: 'a fine password' },
    })
    expect(login.status).toBe(200)
  })

  test('role defaults to user, full_name to empty', async () => {
    const response = await create({ email: 'defaults@example.com', password: 'a fine password' })
    expect(response.status).toBe(201)
    expect(await response.json()).toMatchObject({
      role: 'user',
      full_name: '',
      permissions: ['send_sms', 'send_email', 'view_customers', 'edit_customers'],
    })
  })

  test('duplicate email (any case): 409', async () => {
    expect((await create({ email: 'dup@example.com', password: 'a fine password' })).status).toBe(201)
    const again = await create({ email: 'DUP@example.com', password: 'a fine password' })
    expect(again.status).toBe(409)
    expect(await again.json()).toEqual({ detail: 'Email already registered' })
  })

  test('invalid email, role or password: 422 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ email: 'not-an-email', password: 'a fine password' }, 'email'],
      [{ email: 'role@example.com', password: 'a fine password', role: 'king' }, 'role'],
      [{ email: 'short@example.com', password: 'short' }, 'password'],
      [{ email: 'same@example.com', password: 'same@example.com' }, 'password'],
      [{ password: 'a fine password' }, 'email'],
    ]
    for (const [body, field] of cases) {
      const response = await create(body)
      expect(`${JSON.stringify(body)} ${response.status}`).toBe(`${JSON.stringify(body)} 422`)
      const problem = await errorBody(response)
      expect(problem.detail).toBe('Request validation failed')
      expect((problem.errors ?? []).map((e) => e.field)).toContain(field)
    }
  })

  test('GET lists with the list shape and paging', async () => {
    for (let i = 0; i < 3; i++) await testApp.createUser('user')
    const all = expectBody(await users().get(), 200)
    expect(all.page).toBe(1)
    expect(all.page_size).toBe(50)
    expect(all.total).toBe(all.items.length)
    expect(all.total).toBeGreaterThanOrEqual(4)
    for (const item of all.items) expect(Object.keys(item).sort()).toEqual(USER_VIEW_KEYS)

    const page2 = expectBody(await users().get({ query: { page: 2, page_size: 2 } }), 200)
    expect(page2.page).toBe(2)
    expect(page2.page_size).toBe(2)
    expect(page2.total).toBe(all.total)
    expect(page2.items.map((u) => u.id)).toEqual(all.items.slice(2, 4).map((u) => u.id))
    expect((await testApp.request('GET', '/api/v2/admin/users/', { token: root.token })).status).toBe(200)
  })

  test('paging out of range or not a number: 422', async () => {
    for (const query of ['page=0', 'page=-1', 'page_size=0', 'page_size=201', 'page=abc', 'page_size=1.5']) {
      const response = await testApp.request('GET', `/api/v2/admin/users?${query}`, { token: root.token })
      expect(`${query} ${response.status}`).toBe(`${query} 422`)
    }
    expect((await testApp.request('GET', '/api/v2/admin/users?page_size=200', { token: root.token })).status).toBe(200)
  })

  test('PATCH changes full_name, role, is_active, password', async () => {
    const created = await userOf(await create({ email: 'patch-me@example.com', password: 'a fine password' }))
    const path = `/api/v2/admin/users/${created.id}`
    const renamed = await testApp.request('PATCH', path, { token: root.token, json: { full_name: 'Patched' } })
    expect(renamed.status).toBe(200)
    expect(await renamed.json()).toMatchObject({ id: created.id, full_name: 'Patched', role: 'user', is_active: true })
    const promoted = await userOf(await testApp.request('PATCH', path, { token: root.token, json: { role: 'admin' } }))
    expect(promoted.role).toBe('admin')
    expect(promoted.permissions).toContain('admin_panel')
    const disabled = expectBody(await users()({ id: created.id }).patch({ is_active: false }), 200)
    expect(disabled.is_active).toBe(false)
    expect(
      (await testApp.request('POST', '/api/v2/auth/login', { json: { email: 'patch-me@example.com', password: 'a fine password' } }))
        .status,
    ).toBe(403)
    await testApp.request('PATCH', path, { token: root.token, json: { is_active: true, password: 'the new password' } })
    expect(
      (await testApp.request('POST', '/api/v2/auth/login', { json: { email: 'patch-me@example.com', password: 'the new password' } }))
        .status,
    ).toBe(200)
    // Demoting a legacy is_superuser row really demotes it.
    const demoted = await userOf(await testApp.request('PATCH', path, { token: root.token, json: { role: 'user' } }))
    expect(demoted.role).toBe('user')
  })

  test('PATCH errors: unknown id 404, weak password 422, bad role 422, bad id 422', async () => {
    const missing = await testApp.request('PATCH', '/api/v2/admin/users/999999', { token: root.token, json: { full_name: 'x' } })
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ detail: 'User not found' })
    const other = await testApp.createUser('user')
    const weak = await testApp.request('PATCH', `/api/v2/admin/users/${other.id}`, { token: root.token, json: { password: 'short' } })
    expect(weak.status).toBe(422)
    expect((await errorFields(weak))[0]).toBe('password')
    expect((await testApp.request('PATCH', `/api/v2/admin/users/${other.id}`, { token: root.token, json: { role: 'god' } })).status).toBe(
      422,
    )
    expect(
      (await testApp.request('PATCH', `/api/v2/admin/users/${other.id}`, { token: root.token, json: { is_active: 'maybe' } })).status,
    ).toBe(422)
    expect((await testApp.request('PATCH', '/api/v2/admin/users/abc', { token: root.token, json: { full_name: 'x' } })).status).toBe(422)
    // Beyond a 32-bit id (PostgreSQL serial): 422, never a driver error.
    expect(
      (await testApp.request('PATCH', '/api/v2/admin/users/99999999999', { token: root.token, json: { full_name: 'x' } })).status,
    ).toBe(422)
    expect((await testApp.request('GET', '/api/v2/admin/users?page=99999999999', { token: root.token })).status).toBe(422)
  })

  test('user changes are audited, never with the password', async () => {
    const body = { email: 'audited@example.com', password: 'meadow quartz lamp', role: 'user' }
    const created = await userOf(await create(body))
    await testApp.request('PATCH', `/api/v2/admin/users/${created.id}`, {
      token: root.token,
      json: { role: 'admin', password: 'second secret pw' },
    })
    const audit = expectBody(await testApp.client(root).api.v2.admin.audit.get({ query: { user_id: root.id, page_size: 200 } }), 200)
    const mine = audit.items.filter((row) => row.target?.includes('audited@example.com'))
    expect(mine.map((row) => row.action).sort()).toEqual(['user.created', 'user.updated'])
    const updated = mine.find((row) => row.action === 'user.updated')!
    expect(updated.details).toMatchObject({ role: { from: 'user', to: 'admin' }, password: 'changed' })
    const text = JSON.stringify(audit)
    expect(text).not.toContain('meadow quartz lamp')
    expect(text).not.toContain('second secret pw')
  })
})
