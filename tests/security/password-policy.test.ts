import { expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { bodyAs, describeEachDialect, errorBody, useTestApp, type Api } from '../helpers/harness'
import { UserService } from '../../src/users/service'
import { PASSWORD_RULES } from '../../src/auth/passwords'
import { login } from './support'

describeEachDialect('password policy', (dialect) => {
  const testApp = useTestApp(dialect, { env: { LOGIN_MAX_FAILURES: '3' } })

  const change = (token: string, current: string, next: string) =>
    testApp.request('POST', '/api/v2/auth/change-password', { token, json: { current_password: current, new_password: next } })

  async function expectRule(response: Response, field: string, message: string) {
    expect(response.status).toBe(422)
    const body = await errorBody(response)
    expect(body.detail).toBe('Request validation failed')
    expect(body.errors).toEqual([{ field, message }])
  }

  test('change-password refuses short, common, personal passwords, each naming its rule', async () => {
    const user = await testApp.createUser('user', { email: `marguerite.dubois-${Date.now()}@example.com`, fullName: 'Marguerite Dubois' })
    const local = user.email.split('@')[0]!
    await expectRule(await change(user.token, user.password, 'eleven char'), 'new_password', PASSWORD_RULES.tooShort)
    for (const common of ['password1234', 'Password1234!', 'qwertyuiop12', 'aaaaaaaaaaaa', 'iloveyou2024']) {
      await expectRule(await change(user.token, user.password, common), 'new_password', PASSWORD_RULES.guessable)
    }
    await expectRule(await change(user.token, user.password, `${local}!2024x`), 'new_password', PASSWORD_RULES.personal)
    await expectRule(await change(user.token, user.password, user.email.toUpperCase()), 'new_password', PASSWORD_RULES.personal)
    await expectRule(await change(user.token, user.password, 'my name is DUBOIS ok'), 'new_password', PASSWORD_RULES.personal)
    // Nothing changed, and a strong one is taken.
    expect((await login(testApp, user.email, user.password)).status).toBe(200)
    expect((await change(user.token, user.password, 'violet tram sings at dusk')).status).toBe(204)
    expect((await login(testApp, user.email, 'violet tram sings at dusk')).status).toBe(200)
    // The first check loads the dictionaries.
  }, 30_000)

  test('admin create and update apply the same policy', async () => {
    const root = await testApp.createUser('superuser')
    const create = (body: Record<string, unknown>) => testApp.request('POST', '/api/v2/admin/users', { token: root.token, json: body })
    await expectRule(await create({ email: 'weakling@example.com', password: 'letmein12345' }), 'password', PASSWORD_RULES.guessable)
    await expectRule(await create({ email: 'jonathan@example.com', password: 'jonathan rocks 99' }), 'password', PASSWORD_RULES.personal)
    await expectRule(
      await create({ email: 'named@example.com', password: 'hello Priscilla 7', full_name: 'Priscilla Jones' }),
      'password',
      PASSWORD_RULES.personal,
    )
    const created = await create({ email: 'fine-user@example.com', password: 'violet tram sings at dusk' })
    expect(created.status).toBe(201)
    const { id } = await bodyAs<Api['admin']['users']['post']>(created)
    await expectRule(
      await testApp.request('PATCH', `/api/v2/admin/users/${id}`, { token: root.token, json: { password: 'abc123abc123' } }),
      'password',
      PASSWORD_RULES.guessable,
    )
  })

  test('an existing user keeps a password the new policy would refuse until changing it', async () => {
    // Created the way an older version did: no policy check on the way in.
    const row = await new UserService(testApp.database).create({ email: 'old-timer@example.com', password: 'password1', role: 'user' })
    const response = await login(testApp, row.email, 'password1')
    expect(response.status).toBe(200)
  })

  test('wrong current passwords count against the login throttle: 400s, then 429 with Retry-After, audited', async () => {
    const user = await testApp.createUser('user')
    for (let i = 0; i < 3; i++) {
      const wrong = await change(user.token, `not the password ${i}`, 'violet tram sings at dusk')
      expect(wrong.status).toBe(400)
      expect(await wrong.json()).toEqual({ detail: 'Current password is incorrect' })
    }
    // Locked: even the right current password is refused, and so is a login.
    const locked = await change(user.token, user.password, 'violet tram sings at dusk')
    expect(locked.status).toBe(429)
    const retryAfter = Number(locked.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect((await errorBody(locked)).detail).toBe(`Too many failed login attempts. Retry after ${retryAfter} seconds.`)
    expect((await login(testApp, user.email, user.password)).status).toBe(429)

    const { auditLog } = testApp.database.tables
    const failures = await testApp.database.db.select().from(auditLog).where(eq(auditLog.action, 'auth.password_change_failed'))
    expect(failures.filter((row) => row.userId === user.id)).toHaveLength(3)
    const throttled = await testApp.database.db.select().from(auditLog).where(eq(auditLog.action, 'auth.password_change_throttled'))
    expect(throttled.some((row) => row.actorEmail === user.email)).toBe(true)
    expect(JSON.stringify(failures)).not.toContain('not the password')
  })

  test('failed logins lock change-password too', async () => {
    const user = await testApp.createUser('user')
    for (let i = 0; i < 3; i++) expect((await login(testApp, user.email, `wrong guess ${i}`)).status).toBe(401)
    expect((await change(user.token, user.password, 'violet tram sings at dusk')).status).toBe(429)
  })
})
