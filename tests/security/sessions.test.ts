import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { createTestApp, describeEachDialect, json, type TestApp } from '../helpers/harness'
import { hashRefreshToken } from '../../src/auth/sessions'
import { cookiesOf, decodeClaims, expectUnauthorized, login, loginOk, ORIGIN_OK } from './support'

const ME = '/api/v2/auth/me'

describeEachDialect('sessions: refresh, logout, logout-all, change-password', (dialect) => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp(dialect)
  })
  afterAll(() => t.close())

  const refresh = (token: string | undefined, headers: Record<string, string> = ORIGIN_OK) =>
    t.request('POST', '/api/v2/auth/refresh', { cookies: token ? { refresh: token } : undefined, headers })

  test('refresh answers like login, with new cookies, and rotates', async () => {
    const user = await t.createUser('user')
    const first = await loginOk(t, user.email, user.password)
    const response = await refresh(first.refresh)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = (await json(response)) as { access_token: string; token_type: string; expires_in: number; user: { id: number } }
    expect(body.token_type).toBe('bearer')
    expect(body.expires_in).toBe(1800)
    expect(body.user.id).toBe(user.id)
    const cookies = cookiesOf(response)
    expect(cookies.session!.value).toBe(body.access_token)
    expect(cookies.refresh!.value).not.toBe(first.refresh)
    expect(cookies.refresh!.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/api/v2/auth']))
    expect((await t.request('GET', ME, { token: body.access_token })).status).toBe(200)
    // The new refresh token works in turn.
    expect((await refresh(cookies.refresh!.value)).status).toBe(200)
  })

  test('refresh tokens are stored hashed', async () => {
    const user = await t.createUser('user')
    const session = await loginOk(t, user.email, user.password)
    const { refreshTokens } = t.database.tables
    const rows = await t.database.db.select().from(refreshTokens)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.some((row) => row.tokenHash === session.refresh)).toBe(false)
    expect(JSON.stringify(rows)).not.toContain(session.refresh)
  })

  test('no refresh cookie, or an unknown one: 401', async () => {
    await expectUnauthorized(await refresh(undefined))
    await expectUnauthorized(await refresh('not-a-real-refresh-token'))
    await expectUnauthorized(
      await t.request('POST', '/api/v2/auth/refresh', { token: (await t.createUser('user')).token, headers: ORIGIN_OK }),
    )
  })

  test('reusing a rotated refresh token revokes the whole family', async () => {
    const user = await t.createUser('user')
    const first = await loginOk(t, user.email, user.password)
    const rotated = await refresh(first.refresh)
    expect(rotated.status).toBe(200)
    const next = cookiesOf(rotated)
    const nextAccess = ((await json(rotated)) as { access_token: string }).access_token
    // Replay of the old one after the grace period: 401, and every token of that family dies.
    const { refreshTokens } = t.database.tables
    await t.database.db
      .update(refreshTokens)
      .set({ usedAt: new Date(Date.now() - 31_000) })
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(first.refresh)))
    await expectUnauthorized(await refresh(first.refresh))
    await expectUnauthorized(await refresh(next.refresh!.value))
    await expectUnauthorized(await t.request('GET', ME, { token: nextAccess }))
    await expectUnauthorized(await t.request('GET', ME, { token: first.token }))
    // Another login of the same user is a different family and goes on.
    expect((await t.request('GET', ME, { token: user.token })).status).toBe(200)
    const { auditLog } = t.database.tables
    const reuse = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'auth.refresh_reuse'))
    expect(reuse.some((row) => row.userId === user.id)).toBe(true)
  })

  test('concurrent refreshes with one token: one rotation, every caller gets the current tokens', async () => {
    const user = await t.createUser('user')
    const session = await loginOk(t, user.email, user.password)
    const results = await Promise.all([refresh(session.refresh), refresh(session.refresh), refresh(session.refresh)])
    expect(results.map((r) => r.status)).toEqual([200, 200, 200])
    const refreshTokensHandedOut = new Set(results.map((r) => cookiesOf(r).refresh!.value))
    expect(refreshTokensHandedOut.size).toBe(1)
    const { authSessions } = t.database.tables
    const [row] = await t.database.db
      .select()
      .from(authSessions)
      .where(eq(authSessions.id, String(decodeClaims(session.token).sid)))
    expect(row!.refreshGeneration).toBe(1)
  })

  test('an expired refresh token: 401', async () => {
    const user = await t.createUser('user')
    const session = await loginOk(t, user.email, user.password)
    const { refreshTokens } = t.database.tables
    await t.database.db.update(refreshTokens).set({ expiresAt: new Date(Date.now() - 1000) })
    await expectUnauthorized(await refresh(session.refresh))
  })

  test('refresh for a disabled user: 403', async () => {
    const user = await t.createUser('user')
    const session = await loginOk(t, user.email, user.password)
    const { users } = t.database.tables
    await t.database.db.update(users).set({ isActive: false }).where(eq(users.id, user.id))
    const response = await refresh(session.refresh)
    expect(response.status).toBe(403)
    expect(await json(response)).toEqual({ detail: 'User account is disabled' })
  })

  test('logout: 200, clears both cookies, ends this session only', async () => {
    const user = await t.createUser('user')
    const a = await loginOk(t, user.email, user.password)
    const b = await loginOk(t, user.email, user.password)
    const response = await t.request('POST', '/api/v2/auth/logout', { token: a.token, cookies: { refresh: a.refresh } })
    expect(response.status).toBe(200)
    expect(await json(response)).toEqual({ message: 'Successfully logged out' })
    const cleared = cookiesOf(response)
    expect(cleared.session!.value).toBe('')
    expect(cleared.session!.attributes).toEqual(expect.arrayContaining(['Max-Age=0', 'Path=/']))
    expect(cleared.refresh!.value).toBe('')
    expect(cleared.refresh!.attributes).toEqual(expect.arrayContaining(['Max-Age=0', 'Path=/api/v2/auth']))
    await expectUnauthorized(await t.request('GET', ME, { token: a.token }))
    await expectUnauthorized(await refresh(a.refresh))
    // The other session goes on.
    expect((await t.request('GET', ME, { token: b.token })).status).toBe(200)
    expect((await refresh(b.refresh)).status).toBe(200)
  })

  test('logout with the session cookie (same-origin) works too', async () => {
    const user = await t.createUser('user')
    const a = await loginOk(t, user.email, user.password)
    const response = await t.request('POST', '/api/v2/auth/logout', {
      cookies: { session: a.session, refresh: a.refresh },
      headers: ORIGIN_OK,
    })
    expect(response.status).toBe(200)
    await expectUnauthorized(await t.request('GET', ME, { cookies: { session: a.session } }))
    await expectUnauthorized(await refresh(a.refresh))
  })

  test('logout-all ends every session of the user, not of others', async () => {
    const user = await t.createUser('user')
    const other = await t.createUser('user')
    const a = await loginOk(t, user.email, user.password)
    const b = await loginOk(t, user.email, user.password)
    const response = await t.request('POST', '/api/v2/auth/logout-all', { token: a.token })
    expect(response.status).toBe(200)
    for (const token of [a.token, b.token, user.token]) await expectUnauthorized(await t.request('GET', ME, { token }))
    await expectUnauthorized(await refresh(b.refresh))
    expect((await t.request('GET', ME, { token: other.token })).status).toBe(200)
    // A fresh login afterwards works.
    expect((await login(t, user.email, user.password)).status).toBe(200)
  })

  test('change-password: 204, other sessions end, this one goes on, the new password works', async () => {
    const user = await t.createUser('user')
    const current = await loginOk(t, user.email, user.password)
    const other = await loginOk(t, user.email, user.password)
    const newPassword = 'a brand new passphrase'
    const response = await t.request('POST', '/api/v2/auth/change-password', {
      token: current.token,
      json: { current_password: user.password, new_password: newPassword },
    })
    expect(response.status).toBe(204)
    expect(await response.text()).toBe('')
    expect((await t.request('GET', ME, { token: current.token })).status).toBe(200)
    expect((await refresh(current.refresh)).status).toBe(200)
    await expectUnauthorized(await t.request('GET', ME, { token: other.token }))
    await expectUnauthorized(await refresh(other.refresh))
    expect((await login(t, user.email, user.password)).status).toBe(401)
    expect((await login(t, user.email, newPassword)).status).toBe(200)
    const { auditLog } = t.database.tables
    const rows = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'auth.password_changed'))
    expect(rows.some((row) => row.userId === user.id)).toBe(true)
    expect(JSON.stringify(rows)).not.toContain(newPassword)
  }, 30_000)

  test('change-password: wrong current 400, weak new 422', async () => {
    const user = await t.createUser('user')
    const wrong = await t.request('POST', '/api/v2/auth/change-password', {
      token: user.token,
      json: { current_password: 'not-my-password', new_password: 'another good passphrase' },
    })
    expect(wrong.status).toBe(400)
    expect(await json(wrong)).toEqual({ detail: 'Current password is incorrect' })

    const short = await t.request('POST', '/api/v2/auth/change-password', {
      token: user.token,
      json: { current_password: user.password, new_password: 'short' },
    })
    expect(short.status).toBe(422)
    const shortBody = (await json(short)) as { detail: string; errors: { field: string; message: string }[] }
    expect(shortBody.detail).toBe('Request validation failed')
    expect(shortBody.errors[0]!.field).toBe('new_password')

    const sameAsEmail = await t.request('POST', '/api/v2/auth/change-password', {
      token: user.token,
      json: { current_password: user.password, new_password: user.email.toUpperCase() },
    })
    expect(sameAsEmail.status).toBe(422)
    expect(((await json(sameAsEmail)) as { errors: { field: string }[] }).errors[0]!.field).toBe('new_password')

    const missing = await t.request('POST', '/api/v2/auth/change-password', { token: user.token, json: {} })
    expect(missing.status).toBe(422)
    // Nothing changed.
    expect((await login(t, user.email, user.password)).status).toBe(200)
  }, 30_000)
})
