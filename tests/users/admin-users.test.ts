import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createTestApp, describeEachDialect, json, type TestApp, type TestUser } from '../helpers/harness'

interface UserBody {
  id: number
  email: string
  full_name: string
  role: string
  permissions: string[]
  is_active: boolean
  created_at: string
}

const USER_KEYS = [
  'created_at',
  'email',
  'first_name',
  'full_name',
  'id',
  'is_active',
  'last_login',
  'last_login_at',
  'last_name',
  'permissions',
  'role',
]

describeEachDialect('admin users routes', (dialect) => {
  let t: TestApp
  let root: TestUser
  beforeAll(async () => {
    t = await createTestApp(dialect)
    root = await t.createUser('superuser')
  })
  afterAll(() => t.close())

  const create = (body: Record<string, unknown>) => t.request('POST', '/api/v2/admin/users', { token: root.token, json: body })

  test('POST creates a user: 201 with exactly the public fields; the new user can log in', async () => {
    const response = await create({ email: 'New.Person@Example.com', password: 'a fine password', full_name: 'New Person', role: 'admin' })
    expect(response.status).toBe(201)
    const user = (await json(response)) as unknown as UserBody
    expect(Object.keys(user).sort()).toEqual(USER_KEYS)
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
    const login = await t.request('POST', '/api/v2/auth/login', { json: { email: 'new.person@example.com', password: 'a fine password' } })
    expect(login.status).toBe(200)
  })

  test('role defaults to user, full_name to empty', async () => {
    const response = await create({ email: 'defaults@example.com', password: 'a fine password' })
    expect(response.status).toBe(201)
    expect(await json(response)).toMatchObject({
      role: 'user',
      full_name: '',
      permissions: ['send_sms', 'send_email', 'view_customers', 'edit_customers'],
    })
  })

  test('duplicate email (any case): 409', async () => {
    expect((await create({ email: 'dup@example.com', password: 'a fine password' })).status).toBe(201)
    const again = await create({ email: 'DUP@example.com', password: 'a fine password' })
    expect(again.status).toBe(409)
    expect(await json(again)).toEqual({ detail: 'Email already registered' })
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
      const problem = (await json(response)) as { detail: string; errors: { field: string }[] }
      expect(problem.detail).toBe('Request validation failed')
      expect(problem.errors.map((e) => e.field)).toContain(field)
    }
  })

  test('GET lists with the list shape and paging', async () => {
    for (let i = 0; i < 3; i++) await t.createUser('user')
    const all = (await json(await t.request('GET', '/api/v2/admin/users', { token: root.token }))) as {
      items: UserBody[]
      total: number
      page: number
      page_size: number
    }
    expect(all.page).toBe(1)
    expect(all.page_size).toBe(50)
    expect(all.total).toBe(all.items.length)
    expect(all.total).toBeGreaterThanOrEqual(4)
    for (const item of all.items) expect(Object.keys(item).sort()).toEqual(USER_KEYS)

    const page2 = (await json(await t.request('GET', '/api/v2/admin/users?page=2&page_size=2', { token: root.token }))) as {
      items: UserBody[]
      total: number
      page: number
      page_size: number
    }
    expect(page2.page).toBe(2)
    expect(page2.page_size).toBe(2)
    expect(page2.total).toBe(all.total)
    expect(page2.items.map((u) => u.id)).toEqual(all.items.slice(2, 4).map((u) => u.id))
    expect((await t.request('GET', '/api/v2/admin/users/', { token: root.token })).status).toBe(200)
  })

  test('paging out of range or not a number: 422', async () => {
    for (const query of ['page=0', 'page=-1', 'page_size=0', 'page_size=201', 'page=abc', 'page_size=1.5']) {
      const response = await t.request('GET', `/api/v2/admin/users?${query}`, { token: root.token })
      expect(`${query} ${response.status}`).toBe(`${query} 422`)
    }
    expect((await t.request('GET', '/api/v2/admin/users?page_size=200', { token: root.token })).status).toBe(200)
  })

  test('PATCH changes full_name, role, is_active, password', async () => {
    const created = (await json(await create({ email: 'patch-me@example.com', password: 'a fine password' }))) as unknown as UserBody
    const path = `/api/v2/admin/users/${created.id}`
    const renamed = await t.request('PATCH', path, { token: root.token, json: { full_name: 'Patched' } })
    expect(renamed.status).toBe(200)
    expect(await json(renamed)).toMatchObject({ id: created.id, full_name: 'Patched', role: 'user', is_active: true })
    const promoted = (await json(await t.request('PATCH', path, { token: root.token, json: { role: 'admin' } }))) as unknown as UserBody
    expect(promoted.role).toBe('admin')
    expect(promoted.permissions).toContain('admin_panel')
    const disabled = (await json(await t.request('PATCH', path, { token: root.token, json: { is_active: false } }))) as unknown as UserBody
    expect(disabled.is_active).toBe(false)
    expect(
      (await t.request('POST', '/api/v2/auth/login', { json: { email: 'patch-me@example.com', password: 'a fine password' } })).status,
    ).toBe(403)
    await t.request('PATCH', path, { token: root.token, json: { is_active: true, password: 'the new password' } })
    expect(
      (await t.request('POST', '/api/v2/auth/login', { json: { email: 'patch-me@example.com', password: 'the new password' } })).status,
    ).toBe(200)
    // Demoting a legacy is_superuser row really demotes it.
    const demoted = (await json(await t.request('PATCH', path, { token: root.token, json: { role: 'user' } }))) as unknown as UserBody
    expect(demoted.role).toBe('user')
  })

  test('PATCH errors: unknown id 404, weak password 422, bad role 422, bad id 422', async () => {
    const missing = await t.request('PATCH', '/api/v2/admin/users/999999', { token: root.token, json: { full_name: 'x' } })
    expect(missing.status).toBe(404)
    expect(await json(missing)).toEqual({ detail: 'User not found' })
    const other = await t.createUser('user')
    const weak = await t.request('PATCH', `/api/v2/admin/users/${other.id}`, { token: root.token, json: { password: 'short' } })
    expect(weak.status).toBe(422)
    expect(((await json(weak)) as { errors: { field: string }[] }).errors[0]!.field).toBe('password')
    expect((await t.request('PATCH', `/api/v2/admin/users/${other.id}`, { token: root.token, json: { role: 'god' } })).status).toBe(422)
    expect((await t.request('PATCH', `/api/v2/admin/users/${other.id}`, { token: root.token, json: { is_active: 'maybe' } })).status).toBe(
      422,
    )
    expect((await t.request('PATCH', '/api/v2/admin/users/abc', { token: root.token, json: { full_name: 'x' } })).status).toBe(422)
    // Beyond a 32-bit id (PostgreSQL serial): 422, never a driver error.
    expect((await t.request('PATCH', '/api/v2/admin/users/99999999999', { token: root.token, json: { full_name: 'x' } })).status).toBe(422)
    expect((await t.request('GET', '/api/v2/admin/users?page=99999999999', { token: root.token })).status).toBe(422)
  })

  test('user changes are audited, never with the password', async () => {
    const body = { email: 'audited@example.com', password: 'meadow quartz lamp', role: 'user' }
    const created = (await json(await create(body))) as unknown as UserBody
    await t.request('PATCH', `/api/v2/admin/users/${created.id}`, {
      token: root.token,
      json: { role: 'admin', password: 'second secret pw' },
    })
    const audit = (await json(await t.request('GET', `/api/v2/admin/audit?user_id=${root.id}&page_size=200`, { token: root.token }))) as {
      items: { action: string; target: string; details: Record<string, unknown> }[]
    }
    const mine = audit.items.filter((row) => row.target?.includes('audited@example.com'))
    expect(mine.map((row) => row.action).sort()).toEqual(['user.created', 'user.updated'])
    const updated = mine.find((row) => row.action === 'user.updated')!
    expect(updated.details).toMatchObject({ role: { from: 'user', to: 'admin' }, password: 'changed' })
    const text = JSON.stringify(audit)
    expect(text).not.toContain('meadow quartz lamp')
    expect(text).not.toContain('second secret pw')
  })
})
