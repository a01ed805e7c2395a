import { beforeAll, expect, test } from 'bun:test'
import { describeEachDialect, expectBody, useTestApp, type TestUser } from '../helpers/harness'
import { SPA_ORIGIN, spaClient, spaHeaders } from './spa'

const API = '/api/v2'

/** Replays the SPA's users admin screen: list, create with its default role, edit, deactivate; and what /me tells the header. */
describeEachDialect('the React CRM SPA manages users', (dialect) => {
  const testApp = useTestApp(dialect, { env: { FRONTEND_URL: SPA_ORIGIN } })
  let owner: TestUser
  beforeAll(async () => {
    owner = await testApp.createUser('superuser', { fullName: 'Sam Carter' })
  })

  const call = (method: string, path: string, body?: unknown, token = owner.token) =>
    testApp.request(method, `${API}${path}`, {
      headers: spaHeaders({ token, json: body !== undefined }),
      body: body === undefined ? undefined : JSON.stringify(body),
    })

  // The SPA's role names (office, technician, manager...) are not in the body's static type: writes go raw.
  const users = async () =>
    expectBody(await spaClient(testApp, owner.token).api.v2.admin.users.get({ query: { page_size: 200 } }), 200).users
  const userByEmail = async (email: string) => {
    const found = (await users()).find((u) => u.email === email)
    if (!found) throw new Error(`${email} is not in the list`)
    return found
  }

  test('/auth/me carries first_name and last_name, consistent with full_name', async () => {
    const me = expectBody(await spaClient(testApp, owner.token).api.v2.auth.me.get(), 200)
    expect(me.user).toMatchObject({ first_name: 'Sam', last_name: 'Carter', full_name: 'Sam Carter' })
  })

  test('the list is under `users` (beside `items`) with the fields the table shows', async () => {
    const login = await testApp.request('POST', `${API}/auth/login`, {
      headers: spaHeaders({ json: true }),
      body: JSON.stringify({ email: owner.email, password: owner.password }),
    })
    expect(login.status).toBe(200)
    const data = expectBody(await spaClient(testApp, owner.token).api.v2.admin.users.get(), 200)
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
    expect(await response.json()).toMatchObject({
      email: 'olive@example.com',
      first_name: 'Olive',
      last_name: 'Office',
      full_name: 'Olive Office',
      role: 'user',
      is_active: true,
      last_login: null,
      last_login_at: null,
    })
    const login = await testApp.request('POST', `${API}/auth/login`, {
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
      expect(await response.json()).toMatchObject({ role })
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
    const form = {
      email: 'tess@example.com',
      first_name: 'Tess',
      last_name: 'Tech',
      role: 'technician',
      password: 'copper kettle 77 sings',
    }
    expect((await call('POST', '/admin/users', form)).status).toBe(201)
    const created = await userByEmail('tess@example.com')
    const response = await call('PATCH', `/admin/users/${created.id}`, {
      email: 'changed@example.com',
      first_name: 'Teresa',
      last_name: 'Technician',
      role: 'manager',
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      email: 'tess@example.com',
      first_name: 'Teresa',
      last_name: 'Technician',
      full_name: 'Teresa Technician',
      role: 'admin',
    })
    // full_name alone (this API's own clients) splits into the two.
    const renamed = await call('PATCH', `/admin/users/${created.id}`, { full_name: 'Mary Ann Evans' })
    expect(await renamed.json()).toMatchObject({ first_name: 'Mary', last_name: 'Ann Evans', full_name: 'Mary Ann Evans' })
    // One of the two alone keeps the other.
    const last = await call('PATCH', `/admin/users/${created.id}`, { last_name: 'Eliot' })
    expect(await last.json()).toMatchObject({ first_name: 'Mary', last_name: 'Eliot', full_name: 'Mary Eliot' })
  })

  test('DELETE deactivates: 200 {message}, the row stays inactive, the user is signed out and cannot sign in', async () => {
    const victim = await testApp.createUser('user')
    const response = await call('DELETE', `/admin/users/${victim.id}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ message: 'User deactivated' })
    expect((await userByEmail(victim.email)).is_active).toBe(false)
    const me = await testApp.request('GET', `${API}/auth/me`, { headers: spaHeaders({ token: victim.token }) })
    expect(me.status).toBe(403)
    expect(await me.json()).toEqual({ detail: 'User account is disabled' })
    const login = await testApp.request('POST', `${API}/auth/login`, {
      headers: spaHeaders({ json: true }),
      body: JSON.stringify({ email: victim.email, password: victim.password }),
    })
    expect(login.status).toBe(403)
    expect((await call('DELETE', '/admin/users/999999')).status).toBe(404)
  })

  test('DELETE keeps the last-superuser rule (409) and needs manage_users (403)', async () => {
    const admin = await testApp.createUser('admin')
    expect((await call('DELETE', `/admin/users/${owner.id}`, undefined, admin.token)).status).toBe(403)
    // Every other superuser created above is deactivated first; the last one cannot be.
    for (const user of await users())
      if (user.role === 'superuser' && user.is_active && user.id !== owner.id)
        expect((await call('DELETE', `/admin/users/${user.id}`)).status).toBe(200)
    const last = await call('DELETE', `/admin/users/${owner.id}`)
    expect(last.status).toBe(409)
    expect(await last.json()).toEqual({ detail: 'Cannot remove the last active superuser' })
    expect((await call('GET', '/auth/me')).status).toBe(200)
  })
})
