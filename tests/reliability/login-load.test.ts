import { expect, test } from 'bun:test'
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/harness'

const login = (testApp: TestApp, email: string, password: string) =>
  testApp.request('POST', '/api/v2/auth/login', { json: { email, password } })

/**
 * Regression: a login attempt is reserved as a failure until its password is
 * checked, so 6+ simultaneous correct logins of one account (a shared front-desk
 * account, a reloading SPA, the soak run) got 429 "Too many failed login
 * attempts" without a single failure. Attempts of one account now run one at a
 * time in a process; the cap on concurrent wrong guesses still holds.
 */
describeEachDialect('logins of one account under concurrency', (dialect) => {
  test('12 simultaneous correct logins with the default limit (5): all 200', async () => {
    const testApp = await createTestApp(dialect, { env: { LOG_LEVEL: 'silent' } })
    try {
      const user = await testApp.createUser('user')
      const responses = await Promise.all(Array.from({ length: 12 }, () => login(testApp, user.email, user.password)))
      expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200))
    } finally {
      await testApp.close()
    }
  }, 60_000)

  test('simultaneous wrong guesses mixed with the right password: exactly 5 guesses checked, then 429 for all', async () => {
    const testApp = await createTestApp(dialect, { env: { LOG_LEVEL: 'silent' } })
    try {
      const user = await testApp.createUser('user')
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => login(testApp, user.email, `wrong guess ${i}`)))
      const statuses = responses.map((r) => r.status)
      expect(statuses.filter((s) => s === 401)).toHaveLength(5)
      expect(statuses.filter((s) => s === 429)).toHaveLength(5)
      expect((await login(testApp, user.email, user.password)).status).toBe(429)
    } finally {
      await testApp.close()
    }
  }, 60_000)
})
