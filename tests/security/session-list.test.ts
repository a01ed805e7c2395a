import { expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { describeEachDialect, expectBody, signedIn, useTestApp } from '../helpers/harness'
import { touchSession, TOUCH_INTERVAL_MS } from '../../src/auth/session-list'
import { cookiesOf, expectUnauthorized, login, loginBody, ORIGIN_OK } from './support'

describeEachDialect('sessions you can see and end', (dialect) => {
  const testApp = useTestApp(dialect, { env: { TRUST_PROXY: '1' } })

  async function signIn(email: string, password: string, agent: string, ip: string) {
    const response = await login(testApp, email, password, { 'user-agent': agent, 'x-forwarded-for': ip })
    expect(response.status).toBe(200)
    const body = signedIn(await loginBody(response))
    return { token: body.access_token, refresh: cookiesOf(response).refresh!.value }
  }
  const list = async (token: string) => expectBody(await testApp.client(token).api.v2.auth.sessions.get(), 200).items
  const settle = () => Bun.sleep(50)

  test('lists the caller’s live logins with where they came from, marking the current one', async () => {
    const user = await testApp.createUser('user')
    const laptop = await signIn(user.email, user.password, 'Firefox on the laptop', '203.0.113.7')
    const phone = await signIn(user.email, user.password, 'Safari on the phone', '203.0.113.8')
    const other = await testApp.createUser('user')
    const items = await list(laptop.token)
    const mine = items.filter((s) => s.user_agent !== null)
    expect(mine.map((s) => [s.user_agent, s.ip, s.current])).toEqual([
      ['Safari on the phone', '203.0.113.8', false],
      ['Firefox on the laptop', '203.0.113.7', true],
    ])
    for (const s of mine) {
      expect(Date.parse(s.created_at)).toBeGreaterThan(0)
      expect(Date.parse(s.last_used_at!)).toBeGreaterThan(0)
      expect(Date.parse(s.expires_at)).toBeGreaterThan(Date.now())
    }
    // Only this user's sessions; a session's id is not its token.
    expect(items.some((s) => s.id === other.sessionId)).toBe(false)
    expect(JSON.stringify(items)).not.toContain(laptop.refresh)
    void phone
  })

  test('ending one session stops its access and refresh tokens at once; others go on', async () => {
    const user = await testApp.createUser('user')
    const laptop = await signIn(user.email, user.password, 'laptop', '203.0.113.9')
    const phone = await signIn(user.email, user.password, 'phone', '203.0.113.10')
    const phoneId = (await list(phone.token)).find((s) => s.current)!.id
    const response = await testApp.request('DELETE', `/api/v2/auth/sessions/${phoneId}`, { token: laptop.token })
    expect(response.status).toBe(204)
    await expectUnauthorized(await testApp.request('GET', '/api/v2/auth/me', { token: phone.token }))
    await expectUnauthorized(
      await testApp.request('POST', '/api/v2/auth/refresh', { cookies: { refresh: phone.refresh }, headers: ORIGIN_OK }),
    )
    expect((await testApp.request('GET', '/api/v2/auth/me', { token: laptop.token })).status).toBe(200)
    expect((await list(laptop.token)).some((s) => s.id === phoneId)).toBe(false)
    // Gone already, another user's, or made up: 404.
    expect((await testApp.request('DELETE', `/api/v2/auth/sessions/${phoneId}`, { token: laptop.token })).status).toBe(404)
    const stranger = await testApp.createUser('user')
    const theirs = await testApp.request('DELETE', `/api/v2/auth/sessions/${stranger.sessionId}`, { token: laptop.token })
    expect(theirs.status).toBe(404)
    expect(await theirs.json()).toEqual({ detail: 'Session not found' })
    expect((await testApp.request('GET', '/api/v2/auth/me', { token: stranger.token })).status).toBe(200)
    const { auditLog } = testApp.database.tables
    const rows = await testApp.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'auth.session_ended'), eq(auditLog.userId, user.id)))
    expect(rows).toHaveLength(1)
  })

  test('last_used_at is written at most about once a minute per session, not on every request', async () => {
    const user = await testApp.createUser('user')
    const { authSessions } = testApp.database.tables
    const stamp = async () =>
      (await testApp.database.db.select().from(authSessions).where(eq(authSessions.id, user.sessionId)))[0]!.lastUsedAt
    expect((await testApp.request('GET', '/api/v2/auth/me', { token: user.token })).status).toBe(200)
    await settle()
    expect(await stamp()).not.toBeNull()
    // Set it back by hand: the next requests within the minute leave it alone.
    await testApp.database.db
      .update(authSessions)
      .set({ lastUsedAt: new Date(0) })
      .where(eq(authSessions.id, user.sessionId))
    for (let i = 0; i < 5; i++) await testApp.request('GET', '/api/v2/auth/me', { token: user.token })
    await settle()
    expect((await stamp())!.getTime()).toBe(0)
    // A minute later the next use writes again.
    touchSession(testApp.ctx, user.sessionId, Date.now() + TOUCH_INTERVAL_MS + 1)
    await settle()
    expect((await stamp())!.getTime()).toBeGreaterThan(Date.now())
  })

  test('a superuser lists and ends another user’s sessions; others may not', async () => {
    const root = await testApp.createUser('superuser')
    const admin = await testApp.createUser('admin')
    const user = await testApp.createUser('user')
    const a = await signIn(user.email, user.password, 'a', '203.0.113.20')
    const b = await signIn(user.email, user.password, 'b', '203.0.113.21')
    const path = `/api/v2/admin/users/${user.id}/sessions`
    expect((await testApp.request('GET', path, { token: admin.token })).status).toBe(403)
    expect((await testApp.request('DELETE', path, { token: admin.token })).status).toBe(403)
    expect((await testApp.request('GET', '/api/v2/admin/users/999999/sessions', { token: root.token })).status).toBe(404)
    const sessionsOf = () => testApp.client(root).api.v2.admin.users({ id: user.id }).sessions.get()
    const listed = expectBody(await sessionsOf(), 200)
    expect(listed.items).toHaveLength(3)
    expect(listed.items.every((s) => !s.current)).toBe(true)
    const bId = listed.items.find((s) => s.user_agent === 'b')!.id
    expect((await testApp.request('DELETE', `${path}/${bId}`, { token: root.token })).status).toBe(204)
    await expectUnauthorized(await testApp.request('GET', '/api/v2/auth/me', { token: b.token }))
    expect((await testApp.request('GET', '/api/v2/auth/me', { token: a.token })).status).toBe(200)
    expect((await testApp.request('DELETE', `${path}/${bId}`, { token: root.token })).status).toBe(404)
    expect((await testApp.request('DELETE', path, { token: root.token })).status).toBe(204)
    await expectUnauthorized(await testApp.request('GET', '/api/v2/auth/me', { token: a.token }))
    await expectUnauthorized(await testApp.request('GET', '/api/v2/auth/me', { token: user.token }))
    expect(expectBody(await sessionsOf(), 200).items).toEqual([])
    // The account itself stays usable.
    expect((await login(testApp, user.email, user.password)).status).toBe(200)
    const { auditLog } = testApp.database.tables
    const rows = await testApp.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'auth.session_ended'), eq(auditLog.userId, root.id)))
    expect(rows.map((r) => r.details)).toEqual([{ session: bId }, { sessions: 'all', ended: 2 }])
  })
})
