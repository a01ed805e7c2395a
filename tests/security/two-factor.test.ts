import { afterAll, beforeAll, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { bodyAs, describeEachDialect, expectBody, signedIn, useTestApp, type Api } from '../helpers/harness'
import { startFakeSmtp, type FakeSmtp } from '../../testkit/fakes/smtp'
import { cookiesOf, expectUnauthorized, login, loginBody } from './support'
import { challengeFor, enrol, totpCode, verify } from './two-factor-support'

const STEP = 30_000

describeEachDialect('two-factor sign-in', (dialect) => {
  let smtp: FakeSmtp
  beforeAll(async () => {
    smtp = await startFakeSmtp()
  })
  afterAll(() => smtp.close())
  const testApp = useTestApp(dialect, { env: () => ({ LOGIN_MAX_FAILURES: '3', SMTP_URL: smtp.url, EMAIL_FROM: 'crm@example.com' }) })

  const auditOf = async (action: string, userId: number) => {
    const { auditLog } = testApp.database.tables
    return testApp.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, action), eq(auditLog.userId, userId)))
  }

  test('setup needs the password and returns a secret, an otpauth URI and an SVG QR code; the secret is stored encrypted', async () => {
    const user = await testApp.createUser('user')
    const wrong = await testApp.request('POST', '/api/v2/auth/2fa/setup', { token: user.token, json: { password: 'not the password' } })
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toEqual({ detail: 'Current password is incorrect' })

    const response = await testApp.request('POST', '/api/v2/auth/2fa/setup', { token: user.token, json: { password: user.password } })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await bodyAs<Api['auth']['2fa']['setup']['post']>(response)
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/)
    const uri = new URL(body.otpauth_uri)
    expect(uri.protocol).toBe('otpauth:')
    expect(uri.searchParams.get('secret')).toBe(body.secret)
    expect(uri.searchParams.get('algorithm')).toBe('SHA1')
    expect(uri.searchParams.get('digits')).toBe('6')
    expect(uri.searchParams.get('period')).toBe('30')
    expect(body.qr_code).toStartWith('data:image/svg+xml;base64,')
    expect(Buffer.from(body.qr_code.split(',')[1]!, 'base64').toString()).toContain('<svg')

    const { users } = testApp.database.tables
    const [row] = await testApp.database.db.select().from(users).where(eq(users.id, user.id))
    expect(row!.totpSecret).toStartWith('v1.')
    expect(row!.totpSecret).not.toContain(body.secret)
    expect(row!.totpEnabledAt).toBeNull()
    // Pending only: login still answers a token.
    expect(signedIn(await loginBody(await login(testApp, user.email, user.password))).access_token).toBeString()
  })

  test('enable needs a valid code, returns ten recovery codes once and stores them hashed', async () => {
    const user = await testApp.createUser('user')
    expect((await testApp.request('POST', '/api/v2/auth/2fa/enable', { token: user.token, json: { code: '123456' } })).status).toBe(409)
    const setup = expectBody(await testApp.client(user).api.v2.auth['2fa'].setup.post({ password: user.password }), 200)
    const bad = await testApp.request('POST', '/api/v2/auth/2fa/enable', {
      token: user.token,
      json: { code: totpCode(setup.secret, Date.now() - 5 * STEP) },
    })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ detail: 'Invalid two-factor code' })
    const ok = await testApp.request('POST', '/api/v2/auth/2fa/enable', { token: user.token, json: { code: totpCode(setup.secret) } })
    expect(ok.status).toBe(200)
    const { recovery_codes } = await bodyAs<Api['auth']['2fa']['enable']['post']>(ok)
    expect(recovery_codes).toHaveLength(10)
    expect(new Set(recovery_codes).size).toBe(10)
    for (const code of recovery_codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/)
    const { recoveryCodes } = testApp.database.tables
    const stored = await testApp.database.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id))
    expect(stored).toHaveLength(10)
    for (const code of recovery_codes) expect(JSON.stringify(stored)).not.toContain(code)
    expect((await testApp.request('POST', '/api/v2/auth/2fa/setup', { token: user.token, json: { password: user.password } })).status).toBe(
      409,
    )
    expect(await auditOf('auth.2fa_enabled', user.id)).toHaveLength(1)
  })

  test('login answers a challenge and no session; verify completes it like a login; a code is accepted once', async () => {
    const user = await testApp.createUser('admin')
    const { secret, at } = await enrol(testApp, user)
    const challenge = await challengeFor(testApp, user.email, user.password)
    expect(challenge.length).toBeGreaterThan(30)
    expect(await auditOf('login.2fa_required', user.id)).toHaveLength(1)
    expect(await auditOf('login.success', user.id)).toHaveLength(0)

    // The code enable used is spent: replaying it is refused.
    const replay = await verify(testApp, challenge, totpCode(secret, at))
    expect(replay.status).toBe(401)
    expect(await replay.json()).toEqual({ detail: 'Invalid two-factor code' })

    const next = totpCode(secret, at + STEP)
    const response = await verify(testApp, challenge, next)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await bodyAs<Api['auth']['2fa']['verify']['post']>(response)
    expect(body.token_type).toBe('bearer')
    expect(body.expires_in).toBe(1800)
    expect(body.user).toMatchObject({ id: user.id, role: 'admin' })
    const cookies = cookiesOf(response)
    expect(cookies.session!.value).toBe(body.access_token)
    expect(cookies.refresh!.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/api/v2/auth']))
    const me = expectBody(await testApp.client(body.access_token).api.v2.auth.me.get(), 200)
    expect(me.two_factor).toEqual({ enabled: true, required: false })
    expect(await auditOf('login.success', user.id)).toHaveLength(1)

    // The same code on a new challenge: refused (no replay within its window).
    const again = await challengeFor(testApp, user.email, user.password)
    expect((await verify(testApp, again, next)).status).toBe(401)
    // A used challenge cannot complete a second login.
    const reuse = await verify(testApp, challenge, totpCode(secret, at + 2 * STEP))
    expect(reuse.status).toBe(401)
    expect(await reuse.json()).toEqual({ detail: 'Invalid or expired two-factor challenge' })
  })

  test('concurrent verifies with one code: one login at most', async () => {
    const user = await testApp.createUser('user')
    const { secret, at } = await enrol(testApp, user)
    const [a, b] = [await challengeFor(testApp, user.email, user.password), await challengeFor(testApp, user.email, user.password)]
    const code = totpCode(secret, at + STEP)
    const results = await Promise.all([verify(testApp, a, code), verify(testApp, b, code)])
    expect(results.map((r) => r.status).sort()).toEqual([200, 401])
  })

  test('verify sets cookies, so it refuses another site’s Origin and non-JSON bodies', async () => {
    const user = await testApp.createUser('user')
    const { secret, at } = await enrol(testApp, user)
    const challenge = await challengeFor(testApp, user.email, user.password)
    const code = totpCode(secret, at + STEP)
    const crossSite = await testApp.request('POST', '/api/v2/auth/2fa/verify', {
      json: { challenge, code },
      headers: { origin: 'https://evil.example' },
    })
    expect(crossSite.status).toBe(403)
    expect(cookiesOf(crossSite)).toEqual({})
    const form = await testApp.request('POST', '/api/v2/auth/2fa/verify', {
      body: new URLSearchParams({ challenge, code }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(form.status).toBe(415)
    // Neither spent the code or the challenge.
    expect(
      (
        await testApp.request('POST', '/api/v2/auth/2fa/verify', {
          json: { challenge, code },
          headers: { origin: 'http://localhost:5173' },
        })
      ).status,
    ).toBe(200)
  })

  test('a challenge expires after five minutes; an unknown one is refused', async () => {
    const user = await testApp.createUser('user')
    const { secret, at } = await enrol(testApp, user)
    const challenge = await challengeFor(testApp, user.email, user.password)
    const { loginChallenges } = testApp.database.tables
    const [row] = await testApp.database.db.select().from(loginChallenges).where(eq(loginChallenges.userId, user.id))
    expect(row!.tokenHash).not.toBe(challenge)
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(5 * 60_000)
    await testApp.database.db
      .update(loginChallenges)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(loginChallenges.userId, user.id))
    const expired = await verify(testApp, challenge, totpCode(secret, at + STEP))
    expect(expired.status).toBe(401)
    expect(await expired.json()).toEqual({ detail: 'Invalid or expired two-factor challenge' })
    expect((await verify(testApp, 'made-up-challenge', '123456')).status).toBe(401)
  })

  test('a recovery code signs in once', async () => {
    const user = await testApp.createUser('user')
    const { recoveryCodes } = await enrol(testApp, user)
    const first = await verify(testApp, await challengeFor(testApp, user.email, user.password), recoveryCodes[0]!.toUpperCase())
    expect(first.status).toBe(200)
    expect((await bodyAs<Api['auth']['2fa']['verify']['post']>(first)).access_token).toBeString()
    expect(await auditOf('auth.2fa_recovery_code_used', user.id)).toEqual([expect.objectContaining({ details: { remaining: 9 } })])
    const again = await verify(testApp, await challengeFor(testApp, user.email, user.password), recoveryCodes[0]!)
    expect(again.status).toBe(401)
    expect((await verify(testApp, await challengeFor(testApp, user.email, user.password), recoveryCodes[1]!.replace('-', ''))).status).toBe(
      200,
    )
  })

  test('wrong codes count against the account throttle: 429 with Retry-After, even for the right code, and for the password step', async () => {
    const user = await testApp.createUser('user')
    const { secret, at } = await enrol(testApp, user)
    const challenge = await challengeFor(testApp, user.email, user.password)
    for (const code of ['000000', '111111', 'zzzzz-zzzzz']) {
      const wrong = await verify(testApp, challenge, code)
      expect(wrong.status).toBe(401)
    }
    const locked = await verify(testApp, challenge, totpCode(secret, at + STEP))
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await login(testApp, user.email, user.password)).status).toBe(429)
    expect(await auditOf('login.2fa_failure', user.id)).toHaveLength(3)
  })

  test('new recovery codes replace the old ones', async () => {
    const user = await testApp.createUser('user')
    const { secret, at, recoveryCodes } = await enrol(testApp, user)
    expect(
      (await testApp.request('POST', '/api/v2/auth/2fa/recovery-codes', { token: user.token, json: { code: recoveryCodes[0] } })).status,
    ).toBe(400)
    const response = await testApp.request('POST', '/api/v2/auth/2fa/recovery-codes', {
      token: user.token,
      json: { code: totpCode(secret, at + STEP) },
    })
    expect(response.status).toBe(200)
    const fresh = (await bodyAs<Api['auth']['2fa']['recovery-codes']['post']>(response)).recovery_codes
    expect(fresh).toHaveLength(10)
    expect((await verify(testApp, await challengeFor(testApp, user.email, user.password), recoveryCodes[1]!)).status).toBe(401)
    expect((await verify(testApp, await challengeFor(testApp, user.email, user.password), fresh[0]!)).status).toBe(200)
    expect(await auditOf('auth.2fa_recovery_codes', user.id)).toHaveLength(1)
  })

  test('disable needs the password and a code, forgets everything and e-mails a notice without secrets', async () => {
    const user = await testApp.createUser('user')
    const { secret, at, recoveryCodes } = await enrol(testApp, user)
    const disable = (body: Record<string, string>) => testApp.request('POST', '/api/v2/auth/2fa/disable', { token: user.token, json: body })
    expect(await (await disable({ password: 'wrong password here', code: totpCode(secret, at + STEP) })).json()).toEqual({
      detail: 'Current password is incorrect',
    })
    expect(await (await disable({ password: user.password, code: '999999' })).json()).toEqual({ detail: 'Invalid two-factor code' })
    const before = smtp.messages.length
    const ok = await disable({ password: user.password, code: recoveryCodes[0]! })
    expect(ok.status).toBe(204)
    const { users, recoveryCodes: table } = testApp.database.tables
    const [row] = await testApp.database.db.select().from(users).where(eq(users.id, user.id))
    expect(row).toMatchObject({ totpSecret: null, totpEnabledAt: null, totpLastStep: null })
    expect(await testApp.database.db.select().from(table).where(eq(table.userId, user.id))).toHaveLength(0)
    expect(signedIn(await loginBody(await login(testApp, user.email, user.password))).access_token).toBeString()
    expect(await auditOf('auth.2fa_disabled', user.id)).toHaveLength(1)
    expect((await disable({ password: user.password, code: '123456' })).status).toBe(409)

    for (let i = 0; i < 100 && smtp.messages.length === before; i++) await Bun.sleep(20)
    const notices = smtp.messages.slice(before).filter((m) => m.to.includes(user.email))
    expect(notices).toHaveLength(1)
    expect(notices[0]!.raw).toContain('Two-factor sign-in was turned off')
    for (const secretThing of [secret, ...recoveryCodes, user.password]) expect(notices[0]!.raw).not.toContain(secretThing)
  })

  test('a superuser resets another user’s 2FA (audited); others cannot; not one’s own', async () => {
    const root = await testApp.createUser('superuser')
    const admin = await testApp.createUser('admin')
    const user = await testApp.createUser('user')
    await enrol(testApp, user)
    const reset = (token: string, id: number) => testApp.request('POST', `/api/v2/admin/users/${id}/reset-2fa`, { token })
    expect((await reset(admin.token, user.id)).status).toBe(403)
    expect((await reset(user.token, user.id)).status).toBe(403)
    expect((await reset(root.token, 999_999)).status).toBe(404)
    expect((await reset(root.token, root.id)).status).toBe(403)
    expect((await reset(root.token, user.id)).status).toBe(204)
    expect(signedIn(await loginBody(await login(testApp, user.email, user.password))).access_token).toBeString()
    const { auditLog } = testApp.database.tables
    const rows = await testApp.database.db.select().from(auditLog).where(eq(auditLog.action, 'auth.2fa_reset'))
    expect(rows.find((r) => r.target?.startsWith(`user:${user.id} `))).toMatchObject({ userId: root.id, details: { was_enabled: true } })
  })

  test('no secret, code or challenge reaches the log', async () => {
    const user = await testApp.createUser('user')
    const { secret, at, recoveryCodes } = await enrol(testApp, user)
    const challenge = await challengeFor(testApp, user.email, user.password)
    await verify(testApp, challenge, '000001')
    await verify(testApp, challenge, totpCode(secret, at + STEP))
    const text = testApp.logs.text
    expect(text.length).toBeGreaterThan(0)
    for (const value of [secret, challenge, totpCode(secret, at), totpCode(secret, at + STEP), ...recoveryCodes])
      expect(text).not.toContain(value)
  })
})

describeEachDialect('REQUIRE_2FA_FOR', (dialect) => {
  const testApp = useTestApp(dialect, { env: { REQUIRE_2FA_FOR: 'admin, user' } })

  test('a named role without 2FA reaches only /me, /2fa/* and logout until enrolled', async () => {
    const admin = await testApp.createUser('admin')
    const blocked = await testApp.request('GET', '/api/v2/customers', { token: admin.token })
    expect(blocked.status).toBe(403)
    expect(await blocked.json()).toEqual({ detail: 'Two-factor authentication required' })
    expect(
      (
        await testApp.request('POST', '/api/v2/auth/change-password', {
          token: admin.token,
          json: { current_password: admin.password, new_password: 'violet tram sings at dusk' },
        })
      ).status,
    ).toBe(403)
    expect((await testApp.request('GET', '/api/v2/admin/stats', { token: admin.token })).status).toBe(403)
    const me = await testApp.request('GET', '/api/v2/auth/me', { token: admin.token })
    expect(me.status).toBe(200)
    expect((await bodyAs<Api['auth']['me']['get']>(me)).two_factor).toEqual({ enabled: false, required: true })
    // Logging in works (to enrol); enrolment opens everything.
    expect((await login(testApp, admin.email, admin.password)).status).toBe(200)
    await enrol(testApp, admin)
    expect((await testApp.request('GET', '/api/v2/customers', { token: admin.token })).status).toBe(200)
    expect((await testApp.request('GET', '/api/v2/admin/stats', { token: admin.token })).status).toBe(200)
  })

  test('each role is named on its own: superuser is not implied by admin', async () => {
    const root = await testApp.createUser('superuser')
    expect((await testApp.request('GET', '/api/v2/customers', { token: root.token })).status).toBe(200)
    const me = expectBody(await testApp.client(root).api.v2.auth.me.get(), 200)
    expect(me.two_factor).toEqual({ enabled: false, required: false })
  })

  test('logout is allowed without 2FA', async () => {
    const user = await testApp.createUser('user')
    expect((await testApp.request('POST', '/api/v2/auth/logout', { token: user.token })).status).toBe(200)
    await expectUnauthorized(await testApp.request('GET', '/api/v2/auth/me', { token: user.token }))
  })
})

test('REQUIRE_2FA_FOR accepts only role names', async () => {
  const { loadConfig, ConfigError } = await import('../../src/config')
  const base = { SECRET_KEY: 'x'.repeat(40), DATA_DIR: '/tmp' }
  expect(loadConfig({ ...base, REQUIRE_2FA_FOR: ' Admin ,superuser' }).requireTwoFactorFor).toEqual(['admin', 'superuser'])
  expect(loadConfig(base).requireTwoFactorFor).toEqual([])
  expect(() => loadConfig({ ...base, REQUIRE_2FA_FOR: 'admin,owner' })).toThrow(ConfigError)
  expect(() => loadConfig({ ...base, REQUIRE_2FA_FOR: 'admin,owner' })).toThrow('REQUIRE_2FA_FOR')
})
