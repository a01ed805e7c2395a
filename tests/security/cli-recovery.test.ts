import { afterAll, beforeAll, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createTestApp,
  describeEachDialect,
  freshDatabase,
  signedIn,
  TEST_SECRET,
  type OwnedTestApp,
  type TestUser,
} from '../helpers/harness'
import { serverCommand } from '../helpers/spawn'
import { startFakeSmtp, type FakeSmtp } from '../../testkit/fakes/smtp'
import { expectUnauthorized, login, loginBody } from './support'
import { enrol } from './two-factor-support'

describeEachDialect('recovery from the command line', (dialect) => {
  let testApp: OwnedTestApp
  let smtp: FakeSmtp
  let db: Awaited<ReturnType<typeof freshDatabase>>
  let dataDir: string
  let root: TestUser
  let user: TestUser
  const outputs: string[] = []

  beforeAll(async () => {
    smtp = await startFakeSmtp()
    db = await freshDatabase(dialect)
    dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-recovery-'))
    testApp = await createTestApp(dialect, { database: db.database, env: { SMTP_URL: smtp.url, EMAIL_FROM: 'crm@example.com' } })
    root = await testApp.createUser('superuser')
    user = await testApp.createUser('user')
  }, 30_000)
  afterAll(async () => {
    await testApp.close()
    await db.drop()
    await smtp.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  // Asynchronous: the fake SMTP server in this process must keep answering while the CLI runs.
  async function cli(args: string[], stdin?: string) {
    const proc = Bun.spawn(serverCommand('source', ['user', ...args]), {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH!,
        DATA_DIR: dataDir,
        DATABASE_URL: db.url,
        SECRET_KEY: TEST_SECRET,
        SMTP_URL: smtp.url,
        EMAIL_FROM: 'crm@example.com',
      },
      stdin: stdin === undefined ? 'ignore' : new TextEncoder().encode(stdin),
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
    const out = { code, stdout, stderr }
    outputs.push(out.stdout, out.stderr)
    return out
  }
  const audit = async (action: string) => {
    const { auditLog } = testApp.database.tables
    return testApp.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, action), eq(auditLog.actorEmail, 'cli')))
  }

  test('user list shows every user with role, state and 2FA', async () => {
    const result = await cli(['list'])
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^ID\s+EMAIL\s+ROLE\s+ACTIVE\s+2FA$/)
    expect(lines.find((line) => line.includes(user.email))).toMatch(new RegExp(`^${user.id}\\s+${user.email}\\s+user\\s+yes\\s+off$`))
    expect(lines.find((line) => line.includes(root.email))).toMatch(/superuser\s+yes\s+off$/)
  })

  test('set-password applies the policy, ends every session, is audited and e-mails a notice', async () => {
    const weak = await cli(['set-password', user.email, '--password-stdin'], 'password1234\n')
    expect(weak.code).toBe(1)
    expect(weak.stderr).toContain('Password is too common or too easy to guess')
    const before = smtp.messages.length
    const ok = await cli(['set-password', user.email.toUpperCase(), '--password-stdin'], 'violet tram sings at dusk\n')
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain(`password of ${user.email} changed`)
    await expectUnauthorized(await testApp.request('GET', '/api/v2/auth/me', { token: user.token }))
    expect((await login(testApp, user.email, user.password)).status).toBe(401)
    expect((await login(testApp, user.email, 'violet tram sings at dusk')).status).toBe(200)
    user.password = 'violet tram sings at dusk'
    expect(
      (await audit('user.updated')).some(
        (row) => row.target?.startsWith(`user:${user.id} `) && (row.details as { password?: string }).password === 'changed',
      ),
    ).toBe(true)
    // The CLI waited for the notice before exiting.
    const notices = smtp.messages.slice(before).filter((m) => m.to.includes(user.email))
    expect(notices).toHaveLength(1)
    expect(notices[0]!.raw.replace(/=\r\n/g, '')).toContain('from the server console')
    expect(notices[0]!.raw).not.toContain('violet tram')
  }, 30_000)

  test('disable and enable; the last active superuser cannot be disabled', async () => {
    const last = await cli(['disable', root.email])
    expect(last.code).toBe(1)
    expect(last.stderr).toBe('crm-api: Cannot remove the last active superuser\n')
    const session = signedIn(await loginBody(await login(testApp, user.email, user.password)))
    expect((await cli(['disable', user.email])).code).toBe(0)
    expect((await login(testApp, user.email, user.password)).status).toBe(403)
    expect((await testApp.request('GET', '/api/v2/auth/me', { token: session.access_token })).status).toBeOneOf([401, 403])
    const enabled = await cli(['enable', user.email])
    expect(enabled.code).toBe(0)
    expect(enabled.stdout).toBe(`${user.email} is enabled\n`)
    expect((await login(testApp, user.email, user.password)).status).toBe(200)
  }, 30_000)

  test('unlock clears the login throttle of the account', async () => {
    // Earlier tests left a failure or two: guess until the account locks.
    for (let i = 0; i < 6 && (await login(testApp, user.email, `wrong guess ${i}`)).status === 401; i++);
    expect((await login(testApp, user.email, user.password)).status).toBe(429)
    const result = await cli(['unlock', user.email])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`${user.email} is unlocked`)
    expect((await login(testApp, user.email, user.password)).status).toBe(200)
    expect((await audit('user.unlocked')).map((row) => row.target)).toContain(`user:${user.id} ${user.email}`)
  }, 30_000)

  test('reset-2fa turns two-factor sign-in off (audited, notice e-mailed)', async () => {
    const session = signedIn(await loginBody(await login(testApp, user.email, user.password)))
    await enrol(testApp, { ...user, token: session.access_token })
    expect(await loginBody(await login(testApp, user.email, user.password))).toMatchObject({ two_factor_required: true })
    expect((await cli(['list'])).stdout.split('\n').find((line) => line.includes(user.email))).toMatch(/on$/)
    const before = smtp.messages.length
    const result = await cli(['reset-2fa', user.email])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('is off')
    expect(signedIn(await loginBody(await login(testApp, user.email, user.password))).access_token).toBeString()
    expect((await audit('auth.2fa_reset')).map((row) => row.target)).toContain(`user:${user.id} ${user.email}`)
    expect(
      smtp.messages.slice(before).filter((m) => m.to.includes(user.email) && m.raw.includes('Two-factor sign-in was turned off')),
    ).toHaveLength(1)
  }, 30_000)

  test('unknown users and bad usage: one line, exit 1; no password ever printed', async () => {
    const unknown = await cli(['unlock', 'nobody@example.com'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toBe('crm-api: User not found: nobody@example.com\n')
    const usage = await cli(['disable'])
    expect(usage.code).toBe(1)
    expect(usage.stderr).toStartWith('crm-api: usage: crm-api user')
    for (const text of outputs) expect(text).not.toContain('violet tram')
  })
})
