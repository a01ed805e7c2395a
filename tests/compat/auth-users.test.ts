import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createTestApp, describeEachDialect, json, type TestApp, type TestUser } from '../helpers/harness'
import { SPA_ORIGIN, spaHeaders } from './spa'

const API = '/api/v2'

interface SpaUser {
  id: number
  email: string
  first_name: string
  last_name: string
  full_name: string
  role: string
  is_active: boolean
  last_login: string | null
  last_login_at: string | null
  created_at: string
}

/** Replays the SPA's users admin screen: list, create with its default role, edit, deactivate; and what /me tells the header. */
describeEachDialect('the React CRM SPA manages users', (dialect) => {
  let t: TestApp
  let owner: TestUser
  beforeAll(async () => {
    t = await createTestApp(dialect, { env: { FRONTEND_URL: SPA_ORIGIN } })
    owner = await t.createUser('superuser', { fullName: 'Sam Carter' })
  })
  afterAll(() => t.close())

  const call = (method: string, path: string, body?: unknown, token = owner.token) =>
    t.request(method, `${API}${path}`, {
      headers: spaHeaders({ token, json: body !== undefined }),
      body: body === undefined ? undefined : JSON.stringify(body),
    })

  test('/auth/me carries first_name and last_name, consistent with full_name', async () => {
    const me = await json<{ user: SpaUser }>(await call('GET', '/auth/me'))
    expect(me.user).toMatchObject({ first_name: 'Sam', last_name: 'Carter', full_name: 'Sam Carter' })
  })

  test('the list is under `users` (beside `items`) with the fields the table shows', async () => {
    const login = await t.request('POST', `${API}/auth/login`, {
      headers: spaHeaders({ json: true }),
      body: JSON.stringify({ email: owner.email, password: owner.password }),
    })
    expect(login.status).toBe(200)
    const data = await json<{ users: SpaUser[]; items: SpaUser[] }>(await call('GET', '/admin/users'))
    expect(data.users).toEqual(data.items)
    const me = data.users.find((u) => u.id === owner.id)!
    expect(me).toMatchObject({ first_name: 'Sam', last_name: 'Carter', is_active: true })
    // Logged in just now: the "Last login" column shows it.
    expect(me.last_login).not.toBeNull()
    expect(me.last_login_at).toBe(me.last_login)
    expect(Date.now() - new Date(me.last_login!).getTime()).toBeLessThan(60_000)
  })

  test('create with the form’s default role `office`, then sign in with it', async () => {
    const response = await call('POST', '/admin/users', {
      email: 'olive@example.com',
      first_name: 'Olive',
      last_name: 'Office',
      role: 'office',
      password: 'copper kettle 77 sings',
    })
    expect(response.status).toBe(201)
    const created = await json<SpaUser>(response)
    expect(created).toMatchObject({
      email: 'olive@example.com',
      first_name: 'Olive',
      last_name: 'Office',
      full_name: 'Olive Office',
      role: 'user',
      is_active: true,
      last_login: null,
      last_login_at: null,
    })
    const login = await t.request('POST', `${API}/auth/login`, {
      headers: spaHeaders({ json: true }),
      body: JSON.stringify({ email: 'olive@example.com', password: 'copper kettle 77 sings' }),
    })
    expect(login.status).toBe(200)
  })

  test('every role the form offers is accepted and mapped', async () => {
    const expected: Record<string, string> = {
      office: 'user',
      technician: 'user',
      sales: 'user',
      user: 'user',
      manager: 'admin',
      admin: 'admin',
      superuser: 'superuser',
    }
    for (const [name, role] of Object.entries(expected)) {
      const response = await call('POST', '/admin/users', {
        email: `${name}-role@example.com`,
        first_name: 'Role',
        last_name: name,
        role: name,
        password: 'copper kettle 77 sings',
      })
      expect(`${name} ${response.status}`).toBe(`${name} 201`)
      expect((await json<SpaUser>(response)).role).toBe(role)
    }
    const unknown = await call('POST', '/admin/users', {
      email: 'owner-role@example.com',
      first_name: 'A',
      last_name: 'B',
      role: 'owner',
      password: 'copper kettle 77 sings',
    })
    expect(unknown.status).toBe(422)
  })

  test('edit sends the whole form (email included): names change, full_name follows, email stays', async () => {
    const created = await json<SpaUser>(
      await call('POST', '/admin/users', {
        email: 'tess@example.com',
        first_name: 'Tess',
        last_name: 'Tech',
        role: 'technician',
        password: 'copper kettle 77 sings',
      }),
    )
    const response = await call('PATCH', `/admin/users/${created.id}`, {
      email: 'changed@example.com',
      first_name: 'Teresa',
      last_name: 'Technician',
      role: 'manager',
    })
    expect(response.status).toBe(200)
    expect(await json<SpaUser>(response)).toMatchObject({
      email: 'tess@example.com',
      first_name: 'Teresa',
      last_name: 'Technician',
      full_name: 'Teresa Technician',
      role: 'admin',
    })
    // full_name alone (this API's own clients) splits into the two.
    const renamed = await json<SpaUser>(await call('PATCH', `/admin/users/${created.id}`, { full_name: 'Mary Ann Evans' }))
    expect(renamed).toMatchObject({ first_name: 'Mary', last_name: 'Ann Evans', full_name: 'Mary Ann Evans' })
    // One of the two alone keeps the other.
    const last = await json<SpaUser>(await call('PATCH', `/admin/users/${created.id}`, { last_name: 'Eliot' }))
    expect(last).toMatchObject({ first_name: 'Mary', last_name: 'Eliot', full_name: 'Mary Eliot' })
  })

  test('DELETE deactivates: 200 {message}, the row stays inactive, the user is signed out and cannot sign in', async () => {
    const victim = await t.createUser('user')
    const response = await call('DELETE', `/admin/users/${victim.id}`)
    expect(response.status).toBe(200)
    expect(await json(response)).toEqual({ message: 'User deactivated' })
    const data = await json<{ users: SpaUser[] }>(await call('GET', '/admin/users?page_size=200'))
    expect(data.users.find((u) => u.id === victim.id)?.is_active).toBe(false)
    const me = await t.request('GET', `${API}/auth/me`, { headers: spaHeaders({ token: victim.token }) })
    expect(me.status).toBe(403)
    expect(await json(me)).toEqual({ detail: 'User account is disabled' })
    const login = await t.request('POST', `${API}/auth/login`, {
      headers: spaHeaders({ json: true }),
      body: JSON.stringify({ email: victim.email, password: victim.password }),
    })
    expect(login.status).toBe(403)
    expect((await call('DELETE', '/admin/users/999999')).status).toBe(404)
  })

  test('DELETE keeps the last-superuser rule (409) and needs manage_users (403)', async () => {
    const admin = await t.createUser('admin')
    expect((await call('DELETE', `/admin/users/${owner.id}`, undefined, admin.token)).status).toBe(403)
    // Every other superuser created above is deactivated first; the last one cannot be.
    const data = await json<{ users: SpaUser[] }>(await call('GET', '/admin/users?page_size=200'))
    for (const user of data.users)
      if (user.role === 'superuser' && user.is_active && user.id !== owner.id)
        expect((await call('DELETE', `/admin/users/${user.id}`)).status).toBe(200)
    const last = await call('DELETE', `/admin/users/${owner.id}`)
    expect(last.status).toBe(409)
    expect(await json(last)).toEqual({ detail: 'Cannot remove the last active superuser' })
    expect((await call('GET', '/auth/me')).status).toBe(200)
  })
})
