import { expect, test } from 'bun:test'
import { describeEachDialect, useTestApp } from '../helpers/harness'
import { loginOk } from './support'

const REJECTED = { detail: 'Cross-site request rejected' }

describeEachDialect('CSRF: cookie-authenticated unsafe requests', (dialect) => {
  const testApp = useTestApp(dialect, { env: { FRONTEND_URL: 'http://localhost:5173,https://crm.example.com' } })

  async function freshSession() {
    const user = await testApp.createUser('superuser')
    return { user, ...(await loginOk(testApp, user.email, user.password)) }
  }

  const cases: [string, Record<string, string>, number][] = [
    ['no Origin and no Referer', {}, 403],
    ['a foreign Origin', { origin: 'https://evil.example' }, 403],
    ['a foreign Referer without Origin', { referer: 'https://evil.example/page' }, 403],
    ['Origin: null', { origin: 'null' }, 403],
    ['a look-alike origin', { origin: 'http://localhost:5173.evil.example' }, 403],
    ['a foreign Origin with an allowed Referer', { origin: 'https://evil.example', referer: 'http://localhost:5173/' }, 403],
    ['a FRONTEND_URL origin', { origin: 'http://localhost:5173' }, 200],
    ['the second FRONTEND_URL origin', { origin: 'https://crm.example.com' }, 200],
    ['the server’s own origin', { origin: 'http://localhost' }, 200],
    ['an own-origin Referer without Origin', { referer: 'http://localhost/app/customers' }, 200],
  ]

  for (const [name, headers, expected] of cases) {
    test(`logout with ${name}: ${expected}`, async () => {
      const session = await freshSession()
      const response = await testApp.request('POST', '/api/v2/auth/logout', {
        cookies: { session: session.session, refresh: session.refresh },
        headers,
      })
      expect(response.status).toBe(expected)
      if (expected === 403) {
        expect(await response.json()).toEqual(REJECTED)
        // Rejected means nothing happened: the session still works.
        expect((await testApp.request('GET', '/api/v2/auth/me', { cookies: { session: session.session } })).status).toBe(200)
      }
    })

    test(`refresh with ${name}: ${expected}`, async () => {
      const session = await freshSession()
      const response = await testApp.request('POST', '/api/v2/auth/refresh', { cookies: { refresh: session.refresh }, headers })
      expect(response.status).toBe(expected)
      if (expected === 403) {
        expect(await response.json()).toEqual(REJECTED)
        // The refresh token was not consumed.
        const retry = await testApp.request('POST', '/api/v2/auth/refresh', {
          cookies: { refresh: session.refresh },
          headers: { origin: 'http://localhost:5173' },
        })
        expect(retry.status).toBe(200)
      }
    })
  }

  test('covers every unsafe method on other routes too (PATCH, POST)', async () => {
    const session = await freshSession()
    const cookies = { session: session.session }
    const patch = await testApp.request('PATCH', `/api/v2/admin/users/${session.user.id}`, { cookies, json: { full_name: 'Mallory' } })
    expect(patch.status).toBe(403)
    expect(await patch.json()).toEqual(REJECTED)
    const create = await testApp.request('POST', '/api/v2/admin/users', {
      cookies,
      json: { email: 'csrf@example.com', password: 'long enough pw', role: 'superuser' },
    })
    expect(create.status).toBe(403)
    const changePassword = await testApp.request('POST', '/api/v2/auth/change-password', {
      cookies,
      json: { current_password: session.user.password, new_password: 'attacker chosen pw' },
    })
    expect(changePassword.status).toBe(403)
    const logoutAll = await testApp.request('POST', '/api/v2/auth/logout-all', { cookies })
    expect(logoutAll.status).toBe(403)
    const allowed = await testApp.request('PATCH', `/api/v2/admin/users/${session.user.id}`, {
      cookies,
      json: { full_name: 'Alice' },
      headers: { origin: 'http://localhost:5173' },
    })
    expect(allowed.status).toBe(200)
    // Safe methods with a cookie need no Origin.
    expect((await testApp.request('GET', '/api/v2/admin/users', { cookies })).status).toBe(200)
  })

  test('Bearer requests are not affected', async () => {
    const session = await freshSession()
    const patch = await testApp.request('PATCH', `/api/v2/admin/users/${session.user.id}`, {
      token: session.token,
      json: { full_name: 'Bob' },
      headers: { origin: 'https://evil.example' },
    })
    expect(patch.status).toBe(200)
    const logout = await testApp.request('POST', '/api/v2/auth/logout', { token: session.token })
    expect(logout.status).toBe(200)
  })
})

describeEachDialect('CSRF with PUBLIC_URL', (dialect) => {
  const testApp = useTestApp(dialect, { env: { PUBLIC_URL: 'https://crm.office.example' } })

  test('the own origin is PUBLIC_URL’s, not the Host header', async () => {
    const user = await testApp.createUser('user')
    const a = await loginOk(testApp, user.email, user.password)
    const viaHost = await testApp.request('POST', '/api/v2/auth/logout', {
      cookies: { session: a.session },
      headers: { origin: 'http://localhost' },
    })
    expect(viaHost.status).toBe(403)
    const viaPublic = await testApp.request('POST', '/api/v2/auth/logout', {
      cookies: { session: a.session },
      headers: { origin: 'https://crm.office.example' },
    })
    expect(viaPublic.status).toBe(200)
  })
})
