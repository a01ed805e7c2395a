import { expect, test } from 'bun:test'
import { describeEachDialect, useTestApp } from '../helpers/harness'
import { expectUnauthorized, loginOk, ORIGIN_OK } from './support'

const ME = '/api/v2/auth/me'
const DISABLED = { detail: 'User account is disabled' }

describeEachDialect('a disabled user’s still-signed tokens', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['superuser'] })
  const { superuser: root } = testApp.users

  const setActive = (id: number, active: boolean) =>
    testApp.request('PATCH', `/api/v2/admin/users/${id}`, { token: root.token, json: { is_active: active } })

  test('403 "User account is disabled" by Bearer and by cookie; after re-enabling, 401', async () => {
    const user = await testApp.createUser('user')
    const session = await loginOk(testApp, user.email, user.password)
    expect((await setActive(user.id, false)).status).toBe(200)

    for (const response of [
      await testApp.request('GET', ME, { token: session.token }),
      await testApp.request('GET', ME, { cookies: { session: session.session } }),
      await testApp.request('GET', '/api/v2/customers', { token: user.token }),
    ]) {
      expect(response.status).toBe(403)
      expect(await response.json()).toEqual(DISABLED)
    }

    expect((await setActive(user.id, true)).status).toBe(200)
    // Disabling ended those sessions for good: re-enabling does not bring them back.
    await expectUnauthorized(await testApp.request('GET', ME, { token: session.token }))
    await expectUnauthorized(await testApp.request('GET', ME, { cookies: { session: session.session } }))
    await expectUnauthorized(await testApp.request('GET', ME, { token: user.token }))
    await expectUnauthorized(
      await testApp.request('POST', '/api/v2/auth/refresh', { cookies: { refresh: session.refresh }, headers: ORIGIN_OK }),
    )
    // A new login works.
    const fresh = await loginOk(testApp, user.email, user.password)
    expect((await testApp.request('GET', ME, { token: fresh.token })).status).toBe(200)
  }, 30_000)

  test('DELETE /admin/users/{id} has the same effect', async () => {
    const user = await testApp.createUser('user')
    expect((await testApp.request('DELETE', `/api/v2/admin/users/${user.id}`, { token: root.token })).status).toBe(200)
    const response = await testApp.request('GET', ME, { token: user.token })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual(DISABLED)
  })
})
