import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createTestApp, describeEachDialect, json, type TestApp, type TestUser } from '../helpers/harness'
import { expectUnauthorized, loginOk, ORIGIN_OK } from './support'

const ME = '/api/v2/auth/me'
const DISABLED = { detail: 'User account is disabled' }

describeEachDialect('a disabled user’s still-signed tokens', (dialect) => {
  let t: TestApp
  let root: TestUser
  beforeAll(async () => {
    t = await createTestApp(dialect)
    root = await t.createUser('superuser')
  })
  afterAll(() => t.close())

  const setActive = (id: number, active: boolean) =>
    t.request('PATCH', `/api/v2/admin/users/${id}`, { token: root.token, json: { is_active: active } })

  test('403 "User account is disabled" by Bearer and by cookie; after re-enabling, 401', async () => {
    const user = await t.createUser('user')
    const session = await loginOk(t, user.email, user.password)
    expect((await setActive(user.id, false)).status).toBe(200)

    for (const response of [
      await t.request('GET', ME, { token: session.token }),
      await t.request('GET', ME, { cookies: { session: session.session } }),
      await t.request('GET', '/api/v2/customers', { token: user.token }),
    ]) {
      expect(response.status).toBe(403)
      expect(await json(response)).toEqual(DISABLED)
    }

    expect((await setActive(user.id, true)).status).toBe(200)
    // Disabling ended those sessions for good: re-enabling does not bring them back.
    await expectUnauthorized(await t.request('GET', ME, { token: session.token }))
    await expectUnauthorized(await t.request('GET', ME, { cookies: { session: session.session } }))
    await expectUnauthorized(await t.request('GET', ME, { token: user.token }))
    await expectUnauthorized(await t.request('POST', '/api/v2/auth/refresh', { cookies: { refresh: session.refresh }, headers: ORIGIN_OK }))
    // A new login works.
    const fresh = await loginOk(t, user.email, user.password)
    expect((await t.request('GET', ME, { token: fresh.token })).status).toBe(200)
  }, 30_000)

  test('DELETE /admin/users/{id} has the same effect', async () => {
    const user = await t.createUser('user')
    expect((await t.request('DELETE', `/api/v2/admin/users/${user.id}`, { token: root.token })).status).toBe(200)
    const response = await t.request('GET', ME, { token: user.token })
    expect(response.status).toBe(403)
    expect(await json(response)).toEqual(DISABLED)
  })
})
