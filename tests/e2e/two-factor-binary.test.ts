import { beforeAll, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { Secret, TOTP } from 'otpauth'
import { BINARY, ROOT, startServer } from '../helpers/spawn'
import { TEST_SECRET } from '../helpers/harness'

// The binary is built by `bun run build` (CI builds it before the tests).
beforeAll(async () => {
  if (!existsSync(BINARY)) {
    const build = Bun.spawnSync(['bun', 'run', 'build'], { cwd: ROOT, stdout: 'ignore', stderr: 'pipe' })
    if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`)
  }
}, 120_000)

const EMAIL = 'owner@example.com'
const PASSWORD = 'copper lantern at noon'

function code(secret: string, timestamp: number): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp })
}

test('the compiled binary: setup → enable → logout → login with a code → a recovery code → disable', async () => {
  const server = await startServer({ kind: 'binary', env: { SECRET_KEY: TEST_SECRET, ADMIN_EMAIL: EMAIL, ADMIN_PASSWORD: PASSWORD } })
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (token) headers.authorization = `Bearer ${token}`
    const response = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await response.text()
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
      cookies: response.headers.getSetCookie(),
    }
  }
  const seen: string[] = []
  try {
    const first = await call('POST', '/api/v2/auth/login', { email: EMAIL, password: PASSWORD })
    expect(first.status).toBe(200)
    const token = first.body.access_token as string

    const setup = await call('POST', '/api/v2/auth/2fa/setup', { password: PASSWORD }, token)
    expect(setup.status).toBe(200)
    const secret = setup.body.secret as string
    expect(setup.body.qr_code as string).toStartWith('data:image/svg+xml;base64,')
    const t0 = Date.now()
    const enable = await call('POST', '/api/v2/auth/2fa/enable', { code: code(secret, t0) }, token)
    expect(enable.status).toBe(200)
    const recovery = enable.body.recovery_codes as string[]
    expect(recovery).toHaveLength(10)
    seen.push(secret, code(secret, t0), ...recovery)

    expect((await call('POST', '/api/v2/auth/logout', undefined, token)).status).toBe(200)

    // Password step: a challenge, no cookies; then the code.
    const step = await call('POST', '/api/v2/auth/login', { email: EMAIL, password: PASSWORD })
    expect(step.status).toBe(200)
    expect(step.body.two_factor_required).toBe(true)
    expect(step.cookies).toEqual([])
    const challenge = step.body.challenge as string
    seen.push(challenge, code(secret, t0 + 30_000))
    const verified = await call('POST', '/api/v2/auth/2fa/verify', { challenge, code: code(secret, t0 + 30_000) })
    expect(verified.status).toBe(200)
    expect(verified.cookies.some((c) => c.startsWith('session='))).toBe(true)
    const signedIn = verified.body.access_token as string
    const me = await call('GET', '/api/v2/auth/me', undefined, signedIn)
    expect(me.body.two_factor).toEqual({ enabled: true, required: false })

    // A recovery code works once.
    const again = await call('POST', '/api/v2/auth/login', { email: EMAIL, password: PASSWORD })
    const byRecovery = await call('POST', '/api/v2/auth/2fa/verify', { challenge: again.body.challenge, code: recovery[0] })
    expect(byRecovery.status).toBe(200)
    const reused = await call('POST', '/api/v2/auth/2fa/verify', {
      challenge: (await call('POST', '/api/v2/auth/login', { email: EMAIL, password: PASSWORD })).body.challenge,
      code: recovery[0],
    })
    expect(reused.status).toBe(401)

    // Disable with the password and another recovery code: the next login is a plain one.
    const disable = await call(
      'POST',
      '/api/v2/auth/2fa/disable',
      { password: PASSWORD, code: recovery[1] },
      byRecovery.body.access_token as string,
    )
    expect(disable.status).toBe(204)
    const plain = await call('POST', '/api/v2/auth/login', { email: EMAIL, password: PASSWORD })
    expect(plain.status).toBe(200)
    expect(plain.body.access_token).toBeString()
  } finally {
    expect(await server.stop()).toBe(0)
  }
  // Every line the server wrote is JSON, and none carries the secret, a code or the challenge.
  const lines = server.output().trim().split('\n').filter(Boolean)
  expect(lines.length).toBeGreaterThan(0)
  for (const line of lines) {
    expect(() => JSON.parse(line)).not.toThrow()
    for (const value of seen) expect(line).not.toContain(value)
  }
}, 60_000)
