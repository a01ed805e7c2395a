import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { createTestApp, describeEachDialect, errorBody, signedIn, useTestApp } from '../helpers/harness'
import { cookiesOf, decodeClaims, login, loginBody } from './support'
import { USER_VIEW_KEYS } from '../helpers/bodies'

describeEachDialect('login', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['admin'], timeout: 30_000 })
  const { admin: user } = testApp.users

  test('answers the token, the user and both cookies', async () => {
    const response = await login(testApp, user.email, user.password)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = signedIn(await loginBody(response))
    expect(body.token_type).toBe('bearer')
    const claims = decodeClaims(body.access_token)
    expect(body.expires_in).toBe((claims.exp as number) - (claims.iat as number))
    expect(body.expires_in).toBe(30 * 60)
    expect(Object.keys(body.user).sort()).toEqual(USER_VIEW_KEYS)
    expect(body.user).toMatchObject({ id: user.id, email: user.email, role: 'admin', is_active: true })

    const cookies = cookiesOf(response)
    expect(cookies.session!.value).toBe(body.access_token)
    expect(cookies.session!.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/', 'Max-Age=1800']))
    expect(cookies.refresh!.attributes).toEqual(
      expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/api/v2/auth', `Max-Age=${7 * 86400}`]),
    )
    expect(cookies.refresh!.value.length).toBeGreaterThan(30)
    for (const cookie of Object.values(cookies)) expect(cookie.attributes).not.toContain('Secure')
  }, 30_000)

  test('email matching is case-insensitive and ignores surrounding spaces', async () => {
    expect((await login(testApp, `  ${user.email.toUpperCase()} `, user.password)).status).toBe(200)
  }, 30_000)

  test('unknown email and wrong password give the same 401 body', async () => {
    const unknown = await login(testApp, 'nobody-here@example.com', 'some-password-123')
    const wrong = await login(testApp, user.email, 'not-the-password')
    expect(unknown.status).toBe(401)
    expect(wrong.status).toBe(401)
    const a = await unknown.text()
    const b = await wrong.text()
    expect(a).toBe(b)
    expect(JSON.parse(a)).toEqual({ detail: 'Incorrect email or password' })
    expect(unknown.headers.get('www-authenticate')).toBe(wrong.headers.get('www-authenticate'))
  }, 30_000)

  test('unknown email costs a password hash too (same timing profile)', async () => {
    const probe = await testApp.createUser('user')
    const time = async (email: string) => {
      const started = performance.now()
      await login(testApp, email, 'definitely-wrong-pw')
      return performance.now() - started
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const unknown: number[] = []
    const wrong: number[] = []
    for (let i = 0; i < 3; i++) {
      unknown.push(await time(`ghost-${i}@example.com`))
      wrong.push(await time(probe.email))
    }
    // argon2id dominates both; without the dummy hash the unknown case would be ~100x faster.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.4)
    expect(median(unknown)).toBeLessThan(median(wrong) * 2.5)
  }, 30_000)

  test('a disabled user with the right password: 403', async () => {
    const disabled = await testApp.createUser('user')
    const { users } = testApp.database.tables
    await testApp.database.db.update(users).set({ isActive: false }).where(eq(users.id, disabled.id))
    const response = await login(testApp, disabled.email, disabled.password)
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ detail: 'User account is disabled' })
    expect(response.headers.getSetCookie()).toEqual([])
    const wrong = await login(testApp, disabled.email, 'wrong-password-here')
    expect(wrong.status).toBe(401)
  }, 30_000)

  test('a malformed body is 422 or 400, never 500', async () => {
    const missing = await testApp.request('POST', '/api/v2/auth/login', { json: { email: user.email } })
    expect(missing.status).toBe(422)
    expect((await errorBody(missing)).detail).toBe('Request validation failed')
    const broken = await testApp.request('POST', '/api/v2/auth/login', {
      body: '{"email":',
      headers: { 'content-type': 'application/json' },
    })
    expect(broken.status).toBe(400)
  }, 30_000)

  test('login attempts are audited without the password', async () => {
    const secret = 'audit-me-not-password'
    await login(testApp, user.email, secret)
    await login(testApp, user.email, user.password)
    const { auditLog } = testApp.database.tables
    const rows = await testApp.database.db.select().from(auditLog)
    const actions = rows.map((r) => r.action)
    expect(actions).toContain('login.failure')
    expect(actions).toContain('login.success')
    const text = JSON.stringify(rows)
    expect(text).not.toContain(secret)
    expect(text).not.toContain(user.password)
    expect(testApp.logs.text).not.toContain(secret)
  }, 30_000)
})

describeEachDialect('login cookies in production', (dialect) => {
  const testApp = useTestApp(dialect, { env: { ENVIRONMENT: 'production', DOCS_ENABLED: 'false' }, timeout: 30_000 })

  test('both cookies are Secure', async () => {
    const user = await testApp.createUser('user')
    const response = await login(testApp, user.email, user.password)
    expect(response.status).toBe(200)
    const cookies = cookiesOf(response)
    expect(cookies.session!.attributes).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/']))
    expect(cookies.refresh!.attributes).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/api/v2/auth']))
  }, 30_000)
})

describeEachDialect('login throttling', (dialect) => {
  test('attempts 1-5 are 401, the 6th is 429 with Retry-After, even with the right password; it survives a restart', async () => {
    const testApp = await createTestApp(dialect)
    try {
      const user = await testApp.createUser('user')
      for (let i = 1; i <= 5; i++) {
        const response = await login(testApp, user.email, `wrong-password-${i}`)
        expect(`attempt ${i}: ${response.status}`).toBe(`attempt ${i}: 401`)
      }
      const blocked = await login(testApp, user.email, user.password)
      expect(blocked.status).toBe(429)
      const retryAfter = Number(blocked.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThan(890)
      expect(retryAfter).toBeLessThanOrEqual(900)
      expect((await errorBody(blocked)).detail).toBe(`Too many failed login attempts. Retry after ${retryAfter} seconds.`)
      // Other accounts are not affected.
      const other = await testApp.createUser('user')
      expect((await login(testApp, other.email, other.password)).status).toBe(200)
      // Case variants of the email are the same account.
      expect((await login(testApp, user.email.toUpperCase(), user.password)).status).toBe(429)

      // A new app instance on the same database keeps counting.
      const again = await createTestApp(dialect, { database: testApp.database })
      const stillBlocked = await login(again, user.email, user.password)
      expect(stillBlocked.status).toBe(429)
      expect(stillBlocked.headers.get('retry-after')).not.toBeNull()
      const { auditLog } = testApp.database.tables
      const throttled = await testApp.database.db.select().from(auditLog).where(eq(auditLog.action, 'login.throttled'))
      expect(throttled.length).toBeGreaterThanOrEqual(2)
      await again.close()
    } finally {
      await testApp.close()
    }
  }, 30_000)

  test('failures that left the 15-minute window no longer count', async () => {
    const testApp = await createTestApp(dialect, { env: { LOGIN_MAX_FAILURES: '2' } })
    try {
      const user = await testApp.createUser('user')
      const { loginAttempts } = testApp.database.tables
      const old = Date.now() - 16 * 60_000
      await testApp.database.db.insert(loginAttempts).values([
        { email: user.email, ip: 'unknown', succeeded: false, at: old },
        { email: user.email, ip: 'unknown', succeeded: false, at: old + 1 },
      ])
      expect((await login(testApp, user.email, 'wrong-password-x')).status).toBe(401)
      expect((await login(testApp, user.email, user.password)).status).toBe(200)
      expect((await login(testApp, user.email, 'wrong-password-y')).status).toBe(401)
      const blocked = await login(testApp, user.email, user.password)
      expect(blocked.status).toBe(429)
    } finally {
      await testApp.close()
    }
  }, 30_000)

  test('concurrent wrong guesses never get more than LOGIN_MAX_FAILURES tries', async () => {
    const testApp = await createTestApp(dialect, { env: { LOGIN_MAX_FAILURES: '3' } })
    try {
      const user = await testApp.createUser('user')
      const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => login(testApp, user.email, `wrong-guess-${i}`)))
      const statuses = responses.map((r) => r.status).sort()
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3)
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5)
      expect((await login(testApp, user.email, user.password)).status).toBe(429)
    } finally {
      await testApp.close()
    }
  }, 30_000)

  test('a looser per-IP limit across accounts, keyed by the client IP', async () => {
    const testApp = await createTestApp(dialect, { env: { LOGIN_MAX_FAILURES_PER_IP: '3', TRUST_PROXY: 'true' } })
    try {
      const ip = { 'x-forwarded-for': '203.0.113.9' }
      for (let i = 0; i < 3; i++) expect((await login(testApp, `victim${i}@example.com`, 'wrong-password-z', ip)).status).toBe(401)
      const blocked = await login(testApp, 'victim9@example.com', 'wrong-password-z', ip)
      expect(blocked.status).toBe(429)
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
      // Another address is unaffected.
      expect((await login(testApp, 'victim9@example.com', 'wrong-password-z', { 'x-forwarded-for': '198.51.100.7' })).status).toBe(401)
    } finally {
      await testApp.close()
    }
  }, 30_000)
})

describe('login throttling ignores X-Forwarded-For without TRUST_PROXY', () => {
  test('a spoofed header does not open a fresh per-IP bucket', async () => {
    const testApp = await createTestApp('sqlite', { env: { LOGIN_MAX_FAILURES_PER_IP: '2' } })
    try {
      for (let i = 0; i < 2; i++) await login(testApp, `spoof${i}@example.com`, 'wrong-password-z', { 'x-forwarded-for': `192.0.2.${i}` })
      const blocked = await login(testApp, 'spoof9@example.com', 'wrong-password-z', { 'x-forwarded-for': '192.0.2.99' })
      expect(blocked.status).toBe(429)
    } finally {
      await testApp.close()
    }
  }, 30_000)
})
