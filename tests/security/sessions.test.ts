import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { bodyAs, describeEachDialect, errorBody, errorFields, useTestApp, type Api } from '../helpers/harness'
import { hashRefreshToken } from '../../src/auth/sessions'
import { cookiesOf, decodeClaims, expectUnauthorized, login, loginOk, ORIGIN_OK } from './support'

const ME = '/api/v2/auth/me'

describeEachDialect('sessions: refresh, logout, logout-all, change-password', (dialect) => {
  const testApp = useTestApp(dialect)

  const refresh = (token: string | undefined, headers: Record<string, string> = ORIGIN_OK) =>
    testApp.request('POST', '/api/v2/auth/refresh', { cookies: token ? { refresh: token } : undefined, headers })

  test('refresh answers like login, with new cookies, and rotates', async () => {
    const user = await testApp.createUser('user')
    const first = await loginOk(testApp, user.email, user.password)
    const response = await refresh(first.refresh)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await bodyAs<Api['auth']['refresh']['post']>(response)
    expect(body.token_type).toBe('bearer')
    expect(body.expires_in).toBe(1800)
    expect(body.user.id).toBe(user.id)
    const cookies = cookiesOf(response)
    expect(cookies.session!.value).toBe(body.access_token)
    expect(cookies.refresh!.value).not.toBe(first.refresh)
    expect(cookies.refresh!.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/api/v2/auth']))
    expect((await testApp.request('GET', ME, { token: body.access_token })).status).toBe(200)
    // The new refresh token works in turn.
    expect((await refresh(cookies.refresh!.value)).status).toBe(200)
  })

  test('refresh tokens are stored hashed', async () => {
    const user = await testApp.createUser('user')
    const session = await loginOk(testApp, user.email, user.password)
    const { refreshTokens } = testApp.database.tables
    const rows = await testApp.database.db.select().from(refreshTokens)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.some((row) => row.tokenHash === session.refresh)).toBe(false)
    expect(JSON.stringify(rows)).not.toContain(session.refresh)
  })

  test('no refresh cookie, or an unknown one: 401', async () => {
    await expectUnauthorized(await refresh(undefined))
    await expectUnauthorized(await refresh('not-a-real-refresh-token'))
    await expectUnauthorized(
      await testApp.request('POST', '/api/v2/auth/refresh', { token: (await testApp.createUser('user')).token, headers: ORIGIN_OK }),
    )
  })

  test('reusing a rotated refresh token revokes the whole family', async () => {
    const user = await testApp.createUser('user')
    const first = await loginOk(testApp, user.email, user.password)
    const rotated = await refresh(first.refresh)
    expect(rotated.status).toBe(200)
    const next = cookiesOf(rotated)
    const nextAccess = (await bodyAs<Api['auth']['refresh']['post']>(rotated)).access_token
    // Replay of the old one after the grace period: 401, and every token of that family dies.
    const { refreshTokens } = testApp.database.tables
    await testApp.database.db
      .update(refreshTokens)
      .set({ usedAt: new Date(Date.now() - 31_000) })
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(first.refresh)))
    await expectUnauthorized(await refresh(first.refresh))
    await expectUnauthorized(await refresh(next.refresh!.value))
    await expectUnauthorized(await testApp.request('GET', ME, { token: nextAccess }))
    await expectUnauthorized(await testApp.request('GET', ME, { token: first.token }))
    // Another login of the same user is a different family and goes on.
    expect((await testApp.request('GET', ME, { token: user.token })).status).toBe(200)
    const { auditLog } = testApp.database.tables
    const reuse = await testApp.database.db.select().from(auditLog).where(eq(auditLog.action, 'auth.refresh_reuse'))
    expect(reuse.some((row) => row.userId === user.id)).toBe(true)
  })

  test('concurrent refreshes with one token: one rotation, every caller gets the current tokens', async () => {
    const user = await testApp.createUser('user')
    const session = await loginOk(testApp, user.email, user.password)
    const results = await Promise.all([refresh(session.refresh), refresh(session.refresh), refresh(session.refresh)])
    expect(results.map((r) => r.status)).toEqual([200, 200, 200])
    const refreshTokensHandedOut = new Set(results.map((r) => cookiesOf(r).refresh!.value))
    expect(refreshTokensHandedOut.size).toBe(1)
    const { authSessions } = testApp.database.tables
    const [row] = await testApp.database.db
      .select()
      .from(authSessions)
      .where(eq(authSessions.id, String(decodeClaims(session.token).sid)))
    expect(row!.refreshGeneration).toBe(1)
  })

  test('an expired refresh token: 401', async () => {
    const user = await testApp.createUser('user')
    const session = await loginOk(testApp, user.email, user.password)
    const { refreshTokens } = testApp.database.tables
    await testApp.database.db.update(refreshTokens).set({ expiresAt: new Date(Date.now() - 1000) })
    await expectUnauthorized(await refresh(session.refresh))
  })

  test('refresh for a disabled user: 403', async () => {
    const user = await testApp.createUser('user')
    const session = await loginOk(testApp, user.email, user.password)
    const { users } = testApp.database.tables
    await testApp.database.db.update(users).set({ isActive: false }).where(eq(users.id, user.id))
    const response = await refresh(session.refresh)
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ detail: 'User account is disabled' })
  })

  test('logout: 200, clears both cookies, ends this session only', async () => {
    const user = await testApp.createUser('user')
    const a = await loginOk(testApp, user.email, user.password)
    const b = await loginOk(testApp, user.email, user.password)
    const response = await testApp.request('POST', '/api/v2/auth/logout', { token: a.token, cookies: { refresh: a.refresh } })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ message: 'Successfully logged out' })
    const cleared = cookiesOf(response)
    expect(cleared.session!.value).toBe('')
    expect(cleared.session!.attributes).toEqual(expect.arrayContaining(['Max-Age=0', 'Path=/']))
    expect(cleared.refresh!.value).toBe('')
    expect(cleared.refresh!.attributes).toEqual(expect.arrayContaining(['Max-Age=0', 'Path=/api/v2/auth']))
    await expectUnauthorized(await testApp.request('GET', ME, { token: a.token }))
    await expectUnauthorized(await refresh(a.refresh))
    // The other session goes on.
    expect((await testApp.request('GET', ME, { token: b.token })).status).toBe(200)
    expect((await refresh(b.refresh)).status).toBe(200)
  })

  test('logout with the session cookie (same-origin) works too', async () => {
    const user = await testApp.createUser('user')
    const a = await loginOk(testApp, user.email, user.password)
    const response = await testApp.request('POST', '/api/v2/auth/logout', {
      cookies: { session: a.session, refresh: a.refresh },
      headers: ORIGIN_OK,
    })
    expect(response.status).toBe(200)
    await expectUnauthorized(await testApp.request('GET', ME, { cookies: { session: a.session } }))
    await expectUnauthorized(await refresh(a.refresh))
  })

  test('logout-all ends every session of the user, not of others', async () => {
    const user = await testApp.createUser('user')
    const other = await testApp.createUser('user')
    const a = await loginOk(testApp, user.email, user.password)
    const b = await loginOk(testApp, user.email, user.password)
    const response = await testApp.request('POST', '/api/v2/auth/logout-all', { token: a.token })
    expect(response.status).toBe(200)
    for (const token of [a.token, b.token, user.token]) await expectUnauthorized(await testApp.request('GET', ME, { token }))
    await expectUnauthorized(await refresh(b.refresh))
    expect((await testApp.request('GET', ME, { token: other.token })).status).toBe(200)
    // A fresh login afterwards works.
    expect((await login(testApp, user.email, user.password)).status).toBe(200)
  })

  test('change-password: 204, other sessions end, this one goes on, the new password works', async () => {
    const user = await testApp.createUser('user')
    const current = await loginOk(testApp, user.email, user.password)
    const other = await loginOk(testApp, user.email, user.password)
    const newPassword = 'a brand new passphrase'
    const response = await testApp.request('POST', '/api/v2/auth/change-password', {
      token: current.token,
      json: { current_password: user.password, new_password: newPassword },
    })
    expect(response.status).toBe(204)
    expect(await response.text()).toBe('')
    expect((await testApp.request('GET', ME, { token: current.token })).status).toBe(200)
    expect((await refresh(current.refresh)).status).toBe(200)
    await expectUnauthorized(await testApp.request('GET', ME, { token: other.token }))
    await expectUnauthorized(await refresh(other.refresh))
    expect((await login(testApp, user.email, user.password)).status).toBe(401)
    expect((await login(testApp, user.email, newPassword)).status).toBe(200)
    const { auditLog } = testApp.database.tables
    const rows = await testApp.database.db.select().from(auditLog).where(eq(auditLog.action, 'auth.password_changed'))
    expect(rows.some((row) => row.userId === user.id)).toBe(true)
    expect(JSON.stringify(rows)).not.toContain(newPassword)
  }, 30_000)

  test('change-password: wrong current 400, weak new 422', async () => {
    const user = await testApp.createUser('user')
    const wrong = await testApp.request('POST', '/api/v2/auth/change-password', {
      token: user.token,
      json: { current_password: 'not-my-password', new_password: 'another good passphrase' },
    })
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toEqual({ detail: 'Current password is incorrect' })

    const short = await testApp.request('POST', '/api/v2/auth/change-password', {
      token: user.token,
      json: { current_password: user.password, new_password: 'short' },
    })
    expect(short.status).toBe(422)
    const shortBody = await errorBody(short)
    expect(shortBody.detail).toBe('Request validation failed')
    expect(shortBody.errors?.[0]?.field).toBe('new_password')

    const sameAsEmail = await testApp.request('POST', '/api/v2/auth/change-password', {
      token: user.token,
      json: { current_password: user.password, new_password: user.email.toUpperCase() },
    })
    expect(sameAsEmail.status).toBe(422)
    expect((await errorFields(sameAsEmail))[0]).toBe('new_password')

    const missing = await testApp.request('POST', '/api/v2/auth/change-password', { token: user.token, json: {} })
    expect(missing.status).toBe(422)
    // Nothing changed.
    expect((await login(testApp, user.email, user.password)).status).toBe(200)
  }, 30_000)
})
