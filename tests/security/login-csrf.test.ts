import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { describeEachDialect, useTestApp } from '../helpers/harness'
import { cookiesOf, decodeClaims, loginOk, signToken } from './support'

const LOGIN = '/api/v2/auth/login'
const JSON_ONLY = { detail: 'Content-Type must be application/json' }
const CROSS_SITE = { detail: 'Cross-site request rejected' }

describeEachDialect('login CSRF: auth routes take JSON from allowed origins only', (dialect) => {
  const testApp = useTestApp(dialect, { env: { FRONTEND_URL: 'http://localhost:5173' }, roles: ['user'] })
  const { user: attacker } = testApp.users

  async function sessionsOf(userId: number) {
    const { authSessions } = testApp.database.tables
    return (await testApp.database.db.select().from(authSessions).where(eq(authSessions.userId, userId))).length
  }

  test('an HTML form cannot log anyone in: urlencoded, multipart and text/plain bodies get 415 and no cookies', async () => {
    const before = await sessionsOf(attacker.id)
    const form = new URLSearchParams({ email: attacker.email, password: attacker.password })
    const multipart = new FormData()
    multipart.set('email', attacker.email)
    multipart.set('password', attacker.password)
    const bodies: [string, BodyInit, Record<string, string>][] = [
      ['urlencoded', form, {}],
      ['multipart', multipart, {}],
      ['text/plain', JSON.stringify({ email: attacker.email, password: attacker.password }), { 'content-type': 'text/plain' }],
    ]
    for (const [name, body, headers] of bodies) {
      const response = await testApp.app.handle(
        new Request(`http://localhost${LOGIN}`, { method: 'POST', body, headers: { origin: 'https://evil.example', ...headers } }),
      )
      expect(`${name} ${response.status}`).toBe(`${name} 415`)
      expect(await response.json()).toEqual(JSON_ONLY)
      expect(response.headers.getSetCookie()).toEqual([])
    }
    // The same without a hostile Origin: still 415 (the type alone decides).
    const plain = await testApp.app.handle(new Request(`http://localhost${LOGIN}`, { method: 'POST', body: form }))
    expect(plain.status).toBe(415)
    expect(await sessionsOf(attacker.id)).toBe(before)
  })

  test('refresh and the other auth routes refuse non-JSON bodies too; a bodiless refresh is fine', async () => {
    const session = await loginOk(testApp, attacker.email, attacker.password)
    const formRefresh = await testApp.request('POST', '/api/v2/auth/refresh', {
      cookies: { refresh: session.refresh },
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    })
    expect(formRefresh.status).toBe(415)
    const formPassword = await testApp.request('POST', '/api/v2/auth/change-password', {
      token: session.token,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'current_password=x&new_password=y',
    })
    expect(formPassword.status).toBe(415)
    const bodiless = await testApp.request('POST', '/api/v2/auth/refresh', {
      cookies: { refresh: session.refresh },
      headers: { origin: 'http://localhost:5173' },
    })
    expect(bodiless.status).toBe(200)
    const withCharset = await testApp.request('POST', LOGIN, {
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ email: attacker.email, password: attacker.password }),
    })
    expect(withCharset.status).toBe(200)
  })

  test('a JSON login from a foreign or opaque Origin: 403 and no cookies', async () => {
    const before = await sessionsOf(attacker.id)
    for (const origin of ['https://evil.example', 'null', 'http://localhost:5173.evil.example']) {
      const response = await testApp.request('POST', LOGIN, {
        json: { email: attacker.email, password: attacker.password },
        headers: { origin },
      })
      expect(`${origin} ${response.status}`).toBe(`${origin} 403`)
      expect(await response.json()).toEqual(CROSS_SITE)
      expect(response.headers.getSetCookie()).toEqual([])
    }
    expect(await sessionsOf(attacker.id)).toBe(before)
    // An allowed front end, the server's own origin, and a client that sends no Origin (curl, scripts) log in.
    for (const headers of [{ origin: 'http://localhost:5173' }, { origin: 'http://localhost' }, {}] as Record<string, string>[]) {
      const response = await testApp.request('POST', LOGIN, { json: { email: attacker.email, password: attacker.password }, headers })
      expect(response.status).toBe(200)
    }
  })

  test('refresh from a foreign Origin: 403, the token is not consumed', async () => {
    const session = await loginOk(testApp, attacker.email, attacker.password)
    const response = await testApp.request('POST', '/api/v2/auth/refresh', {
      cookies: { refresh: session.refresh },
      headers: { origin: 'https://evil.example' },
    })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual(CROSS_SITE)
    const ok = await testApp.request('POST', '/api/v2/auth/refresh', {
      cookies: { refresh: session.refresh },
      headers: { origin: 'http://localhost:5173' },
    })
    expect(ok.status).toBe(200)
    expect(cookiesOf(ok).refresh!.value).not.toBe('')
  })
})

describeEachDialect('an expired Bearer token beside a session cookie', (dialect) => {
  const testApp = useTestApp(dialect, { env: { FRONTEND_URL: 'http://localhost:5173' } })

  const ME = '/api/v2/auth/me'
  const past = () => ({ issuedAt: Math.floor(Date.now() / 1000) - 3600, expiresIn: 1800 })

  test('a forged Bearer token decides alone: 401 even with a valid cookie', async () => {
    const user = await testApp.createUser('user')
    const session = await loginOk(testApp, user.email, user.password)
    const { sub, sid } = decodeClaims(session.token)
    const forgedExpired = await signToken(
      { sub, sid, jti: 'x', type: 'access' },
      { ...past(), secret: 'another-secret-key-of-sufficient-length-000' },
    )
    const forgedFresh = await signToken({ sub, sid, jti: 'x', type: 'access' }, { secret: 'another-secret-key-of-sufficient-length-000' })
    for (const bearer of [forgedExpired, forgedFresh, 'garbage']) {
      const response = await testApp.request('GET', ME, { token: bearer, cookies: { session: session.session } })
      expect(response.status).toBe(401)
    }
  })

  test('the expired token of another user does not let a cookie through', async () => {
    const alice = await testApp.createUser('user')
    const bob = await testApp.createUser('user')
    const bobSession = await loginOk(testApp, bob.email, bob.password)
    const { sub, sid } = decodeClaims(alice.token)
    const aliceExpired = await signToken({ sub, sid, jti: 'y', type: 'access' }, past())
    expect((await testApp.request('GET', ME, { token: aliceExpired, cookies: { session: bobSession.session } })).status).toBe(401)
    // Without a cookie an expired token is just expired.
    expect((await testApp.request('GET', ME, { token: aliceExpired })).status).toBe(401)
  })

  test('the cookie rules apply: an unsafe request from a foreign origin is 403', async () => {
    const user = await testApp.createUser('superuser')
    const session = await loginOk(testApp, user.email, user.password)
    const { sub, sid } = decodeClaims(session.token)
    const expired = await signToken({ sub, sid, jti: 'z', type: 'access' }, past())
    const foreign = await testApp.request('PATCH', `/api/v2/admin/users/${user.id}`, {
      token: expired,
      cookies: { session: session.session },
      json: { full_name: 'Mallory' },
      headers: { origin: 'https://evil.example' },
    })
    expect(foreign.status).toBe(403)
    expect(await foreign.json()).toEqual(CROSS_SITE)
    const allowed = await testApp.request('PATCH', `/api/v2/admin/users/${user.id}`, {
      token: expired,
      cookies: { session: session.session },
      json: { full_name: 'Alice' },
      headers: { origin: 'http://localhost:5173' },
    })
    expect(allowed.status).toBe(200)
  })

  test('a cross-site logout carrying only cookies is refused and ends nothing', async () => {
    const user = await testApp.createUser('user')
    const session = await loginOk(testApp, user.email, user.password)
    const response = await testApp.request('POST', '/api/v2/auth/logout', {
      cookies: { refresh: session.refresh },
      headers: { origin: 'https://evil.example' },
    })
    expect(response.status).toBe(403)
    expect((await testApp.request('GET', ME, { token: session.token })).status).toBe(200)
  })
})
