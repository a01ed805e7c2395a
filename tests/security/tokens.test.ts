import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { describeEachDialect, expectBody, useTestApp } from '../helpers/harness'
import { decodeClaims, expectUnauthorized, loginOk, signToken, unsignedToken } from './support'

const ME = '/api/v2/auth/me'

describeEachDialect('access tokens', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['user'] })
  const { user } = testApp.users

  const claimsOf = () => decodeClaims(user.token)

  test('a valid bearer token works, and the access token has the documented claims', async () => {
    const response = await testApp.request('GET', ME, { token: user.token })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ user: { id: user.id, email: user.email, role: 'user' } })
    const claims = claimsOf()
    expect(claims).toMatchObject({ sub: String(user.id), type: 'access' })
    expect(typeof claims.jti).toBe('string')
    expect(typeof claims.iat).toBe('number')
    expect(typeof claims.exp).toBe('number')
  })

  test('no token', async () => {
    await expectUnauthorized(await testApp.request('GET', ME))
  })

  test('garbage and malformed Authorization headers', async () => {
    for (const header of ['Bearer garbage', 'Bearer a.b.c', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Token abc', user.token]) {
      await expectUnauthorized(await testApp.request('GET', ME, { headers: { authorization: header } }))
    }
  })

  test('expired token', async () => {
    const { sub, sid } = claimsOf()
    const token = await signToken(
      { sub, sid, jti: crypto.randomUUID(), type: 'access' },
      { issuedAt: Math.floor(Date.now() / 1000) - 3600, expiresIn: 60 },
    )
    await expectUnauthorized(await testApp.request('GET', ME, { token }))
  })

  test('the same claims signed correctly are accepted (control for the cases below)', async () => {
    const { sub, sid } = claimsOf()
    const token = await signToken({ sub, sid, jti: crypto.randomUUID(), type: 'access' })
    expect((await testApp.request('GET', ME, { token })).status).toBe(200)
  })

  test('tampered payload or signature', async () => {
    const [header, payload, signature] = user.token.split('.') as [string, string, string]
    const claims = decodeClaims(user.token)
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: '999' })).toString('base64url')
    await expectUnauthorized(await testApp.request('GET', ME, { token: `${header}.${forged}.${signature}` }))
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1)
    await expectUnauthorized(await testApp.request('GET', ME, { token: `${header}.${payload}.${flipped}` }))
    await expectUnauthorized(await testApp.request('GET', ME, { token: `${header}.${payload}.` }))
  })

  test('signed with another key', async () => {
    const { sub, sid } = claimsOf()
    const token = await signToken(
      { sub, sid, jti: crypto.randomUUID(), type: 'access' },
      { secret: 'another-secret-key-that-is-long-enough-987654321' },
    )
    await expectUnauthorized(await testApp.request('GET', ME, { token }))
  })

  test('alg: none', async () => {
    const claims = claimsOf()
    await expectUnauthorized(await testApp.request('GET', ME, { token: unsignedToken(claims) }))
  })

  test('without sid, with a wrong type, or with a non-numeric sub', async () => {
    const { sub, sid } = claimsOf()
    const jti = crypto.randomUUID()
    await expectUnauthorized(await testApp.request('GET', ME, { token: await signToken({ sub, jti, type: 'access' }) }))
    await expectUnauthorized(await testApp.request('GET', ME, { token: await signToken({ sub, sid, jti, type: 'refresh' }) }))
    await expectUnauthorized(await testApp.request('GET', ME, { token: await signToken({ sub, sid, jti }) }))
    await expectUnauthorized(await testApp.request('GET', ME, { token: await signToken({ sub: 'admin', sid, jti, type: 'access' }) }))
    // A real session id of another user does not lend its owner's identity.
    const other = await testApp.createUser('user')
    await expectUnauthorized(
      await testApp.request('GET', ME, { token: await signToken({ sub, sid: other.sessionId, jti, type: 'access' }) }),
    )
  })

  test('a refresh token is not an access token', async () => {
    await expectUnauthorized(await testApp.request('GET', ME, { token: user.refreshToken }))
    await expectUnauthorized(await testApp.request('GET', ME, { cookies: { session: user.refreshToken } }))
  })

  test('revoked after logout', async () => {
    const session = await loginOk(testApp, user.email, user.password)
    expect((await testApp.request('POST', '/api/v2/auth/logout', { token: session.token })).status).toBe(200)
    await expectUnauthorized(await testApp.request('GET', ME, { token: session.token }))
    await expectUnauthorized(await testApp.request('GET', ME, { cookies: { session: session.session } }))
  })

  test('a deleted user', async () => {
    const doomed = await testApp.createUser('admin')
    expect((await testApp.request('GET', ME, { token: doomed.token })).status).toBe(200)
    const { users } = testApp.database.tables
    await testApp.database.db.delete(users).where(eq(users.id, doomed.id))
    await expectUnauthorized(await testApp.request('GET', ME, { token: doomed.token }))
  })

  test('a disabled user: 403 with a valid token', async () => {
    const disabled = await testApp.createUser('user')
    const { users } = testApp.database.tables
    await testApp.database.db.update(users).set({ isActive: false }).where(eq(users.id, disabled.id))
    const response = await testApp.request('GET', ME, { token: disabled.token })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ detail: 'User account is disabled' })
  })

  test('a demoted admin loses admin routes at once, on the same token', async () => {
    const admin = await testApp.createUser('admin')
    expect((await testApp.request('GET', '/api/v2/admin/stats', { token: admin.token })).status).toBe(200)
    const { users } = testApp.database.tables
    await testApp.database.db.update(users).set({ role: 'user' }).where(eq(users.id, admin.id))
    const response = await testApp.request('GET', '/api/v2/admin/stats', { token: admin.token })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ detail: 'Permission denied: requires admin_panel' })
    expect(expectBody(await testApp.client(admin).api.v2.auth.me.get(), 200).user.role).toBe('user')
  })

  test('legacy is_superuser = true makes a user at least admin', async () => {
    const legacy = await testApp.createUser('user')
    const { users } = testApp.database.tables
    await testApp.database.db.update(users).set({ isSuperuser: true }).where(eq(users.id, legacy.id))
    expect((await testApp.request('GET', '/api/v2/admin/stats', { token: legacy.token })).status).toBe(200)
    expect((await testApp.request('GET', '/api/v2/admin/users', { token: legacy.token })).status).toBe(403)
    const me = expectBody(await testApp.client(legacy).api.v2.auth.me.get(), 200)
    expect(me.user.role).toBe('admin')
    expect(me.user.permissions).toContain('admin_panel')
  })

  test('an invalid bearer header wins over a valid session cookie', async () => {
    const session = await loginOk(testApp, user.email, user.password)
    expect((await testApp.request('GET', ME, { cookies: { session: session.session } })).status).toBe(200)
    await expectUnauthorized(
      await testApp.request('GET', ME, { cookies: { session: session.session }, headers: { authorization: 'Bearer nonsense' } }),
    )
    await expectUnauthorized(await testApp.request('GET', ME, { cookies: { session: session.session }, headers: { authorization: '' } }))
  })

  test('every 401 carries WWW-Authenticate: Bearer', async () => {
    const routes: [string, string][] = [
      ['GET', ME],
      ['POST', '/api/v2/auth/logout-all'],
      ['POST', '/api/v2/auth/change-password'],
      ['POST', '/api/v2/auth/refresh'],
      ['GET', '/api/v2/admin/users'],
      ['POST', '/api/v2/admin/users'],
      ['PATCH', '/api/v2/admin/users/1'],
      ['GET', '/api/v2/admin/audit'],
      ['GET', '/api/v2/admin/stats'],
    ]
    for (const [method, path] of routes) {
      const response = await testApp.request(method, path, { json: {} })
      expect(`${method} ${path} ${response.status}`).toBe(`${method} ${path} 401`)
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
    }
    const badLogin = await testApp.request('POST', '/api/v2/auth/login', {
      json: { email: 'nobody@example.com', password: 'whatever-password' },
    })
    expect(badLogin.status).toBe(401)
    expect(badLogin.headers.get('www-authenticate')).toBe('Bearer')
  })

  test('the session cookie is found among other cookies', async () => {
    const session = await loginOk(testApp, user.email, user.password)
    const headers = { cookie: `theme=dark; session=${session.session}; other=1` }
    expect((await testApp.request('GET', ME, { headers })).status).toBe(200)
    await expectUnauthorized(await testApp.request('GET', ME, { headers: { cookie: `xsession=${session.session}` } }))
    await expectUnauthorized(await testApp.request('GET', ME, { headers: { cookie: 'session=' } }))
  })

  test('a token that was accepted stops working the moment it expires', async () => {
    const { sub, sid } = claimsOf()
    const token = await signToken({ sub, sid, jti: crypto.randomUUID(), type: 'access' }, { expiresIn: 2 })
    expect((await testApp.request('GET', ME, { token })).status).toBe(200)
    await Bun.sleep(2100)
    await expectUnauthorized(await testApp.request('GET', ME, { token }))
  })

  test('the auth check comes before body validation', async () => {
    // An invalid body from an anonymous caller is still 401, not 422.
    await expectUnauthorized(await testApp.request('POST', '/api/v2/admin/users', { json: { email: 42 } }))
    const plain = await testApp.createUser('user')
    const denied = await testApp.request('POST', '/api/v2/admin/users', { token: plain.token, json: { email: 42 } })
    expect(denied.status).toBe(403)
  })
})
