import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { createTestApp, describeEachDialect, errorBody, useTestApp } from '../helpers/harness'
import { startFakeSmtp, type FakeSmtp, type ReceivedMail } from '../../testkit/fakes/smtp'
import { checklist } from '../../src/cli/check'
import { loadConfig } from '../../src/config'
import { expectUnauthorized, login } from './support'

const ACCEPTED = { message: 'If the address belongs to an active account, a reset link is on its way' }

/** Waits until the fake SMTP server has `count` messages more than `before` (and a little longer, to see extra ones). */
async function mailsAfter(smtp: FakeSmtp, before: number, count: number): Promise<ReceivedMail[]> {
  for (let i = 0; i < 200 && smtp.messages.length < before + count; i++) await Bun.sleep(10)
  await Bun.sleep(150)
  return smtp.messages.slice(before)
}

/** The token of the reset link in a received mail (quoted-printable soft breaks undone). */
function tokenIn(mail: ReceivedMail, prefix: string): string {
  const body = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')
  const start = body.indexOf(prefix)
  expect(start).toBeGreaterThan(-1)
  return decodeURIComponent(body.slice(start + prefix.length).split(/\s/)[0]!)
}

describeEachDialect('password reset by e-mail', (dialect) => {
  let smtp: FakeSmtp
  let ip = 0
  // Each test comes from its own address so the per-IP limit is tested on its own.
  const from = () => ({ 'x-forwarded-for': `198.51.100.${++ip}` })
  beforeAll(async () => {
    smtp = await startFakeSmtp()
  })
  afterAll(() => smtp.close())
  const testApp = useTestApp(dialect, {
    env: () => ({
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'crm@example.com',
      TRUST_PROXY: '1',
      FRONTEND_URL: 'https://app.example.com,https://other.example.com',
    }),
  })
  let headers: Record<string, string>
  beforeEach(() => {
    headers = from()
  })

  const ask = (email: string, h = headers) => testApp.request('POST', '/api/v2/auth/password-reset', { json: { email }, headers: h })
  const confirm = (token: string, password: string) =>
    testApp.request('POST', '/api/v2/auth/password-reset/confirm', { json: { token, new_password: password }, headers })
  const LINK = 'https://app.example.com/reset-password?token='

  test('known and unknown addresses get the same 202; exactly one e-mail reaches the known one', async () => {
    const user = await testApp.createUser('user')
    const disabled = await testApp.createUser('user')
    const { users } = testApp.database.tables
    await testApp.database.db.update(users).set({ isActive: false }).where(eq(users.id, disabled.id))
    const before = smtp.messages.length
    const answers = [await ask(user.email.toUpperCase()), await ask('nobody-at-all@example.com'), await ask(disabled.email)]
    for (const answer of answers) {
      expect(answer.status).toBe(202)
      expect(await answer.json()).toEqual(ACCEPTED)
      expect(answer.headers.get('cache-control')).toBe('no-store')
    }
    const mails = await mailsAfter(smtp, before, 1)
    expect(mails).toHaveLength(1)
    expect(mails[0]!.to).toEqual([user.email])
    const token = tokenIn(mails[0]!, LINK)
    expect(token.length).toBeGreaterThan(30)
    // Stored hashed only.
    const { passwordResetTokens } = testApp.database.tables
    const rows = await testApp.database.db.select().from(passwordResetTokens).where(eq(passwordResetTokens.userId, user.id))
    expect(rows).toHaveLength(1)
    expect(JSON.stringify(rows)).not.toContain(token)
    expect(rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime()).toBe(30 * 60_000)
  })

  test('confirm sets the password once, ends every session, is audited and e-mails a notice without secrets', async () => {
    const user = await testApp.createUser('user')
    const other = await login(testApp, user.email, user.password)
    expect(other.status).toBe(200)
    const before = smtp.messages.length
    await ask(user.email)
    const token = tokenIn((await mailsAfter(smtp, before, 1))[0]!, LINK)

    // A password the policy refuses: 422, and the link still works.
    const weak = await confirm(token, 'password1234')
    expect(weak.status).toBe(422)
    expect((await errorBody(weak)).errors).toEqual([{ field: 'new_password', message: 'Password is too common or too easy to guess' }])
    const noticesFrom = smtp.messages.length
    const ok = await confirm(token, 'violet tram sings at dusk')
    expect(ok.status).toBe(204)
    await expectUnauthorized(await testApp.request('GET', '/api/v2/auth/me', { token: user.token }))
    expect((await login(testApp, user.email, user.password)).status).toBe(401)
    expect((await login(testApp, user.email, 'violet tram sings at dusk')).status).toBe(200)
    // Single use.
    const again = await confirm(token, 'another violet tram at dawn')
    expect(again.status).toBe(400)
    expect(await again.json()).toEqual({ detail: 'Invalid or expired reset token' })

    const { auditLog } = testApp.database.tables
    const audit = await testApp.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'auth.password_reset'), eq(auditLog.userId, user.id)))
    expect(audit).toHaveLength(1)
    const notice = (await mailsAfter(smtp, noticesFrom, 1)).filter((m) => m.to.includes(user.email))
    expect(notice).toHaveLength(1)
    expect(notice[0]!.raw).toContain('Your CRM password was changed')
    expect(notice[0]!.raw).not.toContain(token)
    expect(notice[0]!.raw).not.toContain('violet tram')
    expect(testApp.logs.text).not.toContain(token)
  }, 30_000)

  test('a token expires after 30 minutes; an unknown one is refused', async () => {
    const user = await testApp.createUser('user')
    const before = smtp.messages.length
    await ask(user.email)
    const token = tokenIn((await mailsAfter(smtp, before, 1))[0]!, LINK)
    const { passwordResetTokens } = testApp.database.tables
    await testApp.database.db
      .update(passwordResetTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(passwordResetTokens.userId, user.id))
    expect((await confirm(token, 'violet tram sings at dusk')).status).toBe(400)
    expect((await confirm('not-a-token', 'violet tram sings at dusk')).status).toBe(400)
    expect((await login(testApp, user.email, user.password)).status).toBe(200)
  })

  test('a newer request or a password change ends the earlier link', async () => {
    const user = await testApp.createUser('user')
    let before = smtp.messages.length
    await ask(user.email)
    const first = tokenIn((await mailsAfter(smtp, before, 1))[0]!, LINK)
    before = smtp.messages.length
    await ask(user.email)
    const second = tokenIn((await mailsAfter(smtp, before, 1))[0]!, LINK)
    expect(second).not.toBe(first)
    expect((await confirm(first, 'violet tram sings at dusk')).status).toBe(400)

    const change = await testApp.request('POST', '/api/v2/auth/change-password', {
      token: user.token,
      json: { current_password: user.password, new_password: 'amber kite over hills' },
    })
    expect(change.status).toBe(204)
    expect((await confirm(second, 'violet tram sings at dusk')).status).toBe(400)
  })

  test('per address: at most three e-mails an hour, the answer unchanged', async () => {
    const user = await testApp.createUser('user')
    const before = smtp.messages.length
    for (let i = 0; i < 5; i++) {
      const answer = await ask(user.email, from())
      expect(answer.status).toBe(202)
      expect(await answer.json()).toEqual(ACCEPTED)
    }
    expect((await mailsAfter(smtp, before, 3)).filter((m) => m.to.includes(user.email))).toHaveLength(3)
  })

  test('per client IP: 20 requests an hour, then 429 with Retry-After', async () => {
    for (let i = 0; i < 20; i++) expect((await ask(`sweep-${i}@example.com`)).status).toBe(202)
    const refused = await ask('sweep-last@example.com')
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await ask('sweep-last@example.com', from())).status).toBe(202)
  })

  test('a password change by the user or by an admin e-mails the user a notice without the password', async () => {
    const user = await testApp.createUser('user')
    const root = await testApp.createUser('superuser')
    let before = smtp.messages.length
    const change = await testApp.request('POST', '/api/v2/auth/change-password', {
      token: user.token,
      json: { current_password: user.password, new_password: 'amber kite over hills' },
    })
    expect(change.status).toBe(204)
    let notices = (await mailsAfter(smtp, before, 1)).filter((m) => m.to.includes(user.email))
    expect(notices).toHaveLength(1)
    expect(notices[0]!.raw).toContain('Your CRM password was changed')
    expect(notices[0]!.raw).not.toContain('amber kite')
    expect(notices[0]!.raw).not.toContain(user.password)

    before = smtp.messages.length
    expect(
      (await testApp.request('PATCH', `/api/v2/admin/users/${user.id}`, { token: root.token, json: { password: 'granite owl at dawn' } }))
        .status,
    ).toBe(200)
    notices = (await mailsAfter(smtp, before, 1)).filter((m) => m.to.includes(user.email))
    expect(notices).toHaveLength(1)
    expect(notices[0]!.raw.replace(/=\r\n/g, '')).toContain('An administrator set a new password')
    expect(notices[0]!.raw).not.toContain('granite owl')
  }, 30_000)

  test('PASSWORD_RESET_PATH sets the path of the link', async () => {
    const custom = await createTestApp(dialect, {
      env: {
        SMTP_URL: smtp.url,
        EMAIL_FROM: 'crm@example.com',
        PASSWORD_RESET_PATH: '/account/new-password',
        FRONTEND_URL: 'https://crm.example.org',
      },
    })
    try {
      const user = await custom.createUser('user')
      const before = smtp.messages.length
      expect((await custom.request('POST', '/api/v2/auth/password-reset', { json: { email: user.email } })).status).toBe(202)
      const token = tokenIn((await mailsAfter(smtp, before, 1))[0]!, 'https://crm.example.org/account/new-password?token=')
      expect(token.length).toBeGreaterThan(30)
    } finally {
      await custom.close()
    }
  })
})

describeEachDialect('password reset without SMTP', (dialect) => {
  const testApp = useTestApp(dialect)

  test('503 "Email is not configured", known address or not; check says so', async () => {
    const user = await testApp.createUser('user')
    for (const email of [user.email, 'nobody@example.com']) {
      const response = await testApp.request('POST', '/api/v2/auth/password-reset', { json: { email } })
      expect(response.status).toBe(503)
      expect(await response.json()).toEqual({ detail: 'Email is not configured' })
    }
    const { passwordResetTokens } = testApp.database.tables
    expect(await testApp.database.db.select().from(passwordResetTokens)).toHaveLength(0)
    const env = { ENVIRONMENT: 'production', SECRET_KEY: `${'k'.repeat(16)}abcdefghijklmnopqrstuvwxyz`, DATA_DIR: '/tmp' }
    const smtpItem = checklist(env, loadConfig(env, { ensureSecret: false }), []).find((item) => item.name === 'SMTP_URL')
    expect(smtpItem?.message).toContain('password reset by e-mail answers 503')
  })
})
