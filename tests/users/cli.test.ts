import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serverCommand, startServer } from '../helpers/spawn'
import { bodyAs, DIALECTS, freshDatabase, signedIn, type Api } from '../helpers/harness'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'crm-cli-user-'))
  dirs.push(dir)
  return dir
}

function cli(args: string[], env: Record<string, string>, stdin?: string) {
  const result = Bun.spawnSync(serverCommand('source', args), {
    cwd: env.DATA_DIR,
    env: { PATH: process.env.PATH!, ...env },
    stdin: stdin === undefined ? 'ignore' : new TextEncoder().encode(stdin),
  })
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() }
}

async function loginThrough(url: string, email: string, password: string) {
  return fetch(`${url}/api/v2/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
}

for (const dialect of DIALECTS) {
  describe(`crm-api user [${dialect}]`, () => {
    test('create with --password-stdin, then log in through a started server', async () => {
      const dataDir = tempDir()
      const db = dialect === 'postgres' ? await freshDatabase('postgres') : undefined
      const env: Record<string, string> = { DATA_DIR: dataDir, ...(db ? { DATABASE_URL: db.url } : {}) }
      try {
        await db?.database.close()
        const created = cli(
          ['user', 'create', '--email', 'Boss@Example.com', '--role', 'superuser', '--full-name', 'The Boss', '--password-stdin'],
          env,
          'harbor lantern 41\n',
        )
        expect(created.stderr).toBe('')
        expect(created.code).toBe(0)
        expect(created.stdout).toBe('created user boss@example.com (role superuser)\n')

        const duplicate = cli(
          ['user', 'create', '--email', 'boss@example.com', '--role', 'user', '--password-stdin'],
          env,
          'another password\n',
        )
        expect(duplicate.code).not.toBe(0)
        expect(duplicate.stderr.trim()).toBe('crm-api: Email already registered')

        const weak = cli(['user', 'create', '--email', 'weak@example.com', '--role', 'user', '--password-stdin'], env, 'short\n')
        expect(weak.code).not.toBe(0)
        expect(weak.stderr.trim().split('\n').length).toBe(1)
        expect(weak.stderr).toContain('at least 12 characters')

        const badRole = cli(
          ['user', 'create', '--email', 'role@example.com', '--role', 'owner', '--password-stdin'],
          env,
          'good password 1\n',
        )
        expect(badRole.code).not.toBe(0)
        expect(badRole.stderr).toContain('Role must be one of user, admin, superuser')

        const noPrompt = cli(['user', 'create', '--email', 'tty@example.com', '--role', 'user'], env)
        expect(noPrompt.code).not.toBe(0)
        expect(noPrompt.stderr).toContain('--password-stdin')

        const staff = cli(
          ['user', 'create', '--email', 'staff@example.com', '--role', 'user', '--password-stdin'],
          env,
          'copper kettle 77\n',
        )
        expect(staff.code).toBe(0)
        const promoted = cli(['user', 'set-role', 'STAFF@example.com', 'admin'], env)
        expect(promoted.code).toBe(0)
        expect(promoted.stdout).toBe('staff@example.com now has role admin\n')
        const last = cli(['user', 'set-role', 'boss@example.com', 'admin'], env)
        expect(last.code).not.toBe(0)
        expect(last.stderr.trim()).toBe('crm-api: Cannot remove the last active superuser')
        const unknown = cli(['user', 'set-role', 'ghost@example.com', 'admin'], env)
        expect(unknown.code).not.toBe(0)
        expect(unknown.stderr.trim()).toBe('crm-api: User not found')

        const server = await startServer({ env: { ...env, LOG_LEVEL: 'warn' }, dataDir })
        try {
          const ok = await loginThrough(server.url, 'boss@example.com', 'harbor lantern 41')
          expect(ok.status).toBe(200)
          const body = signedIn(await bodyAs<Api['auth']['login']['post']>(ok))
          expect(body.user).toMatchObject({ role: 'superuser', full_name: 'The Boss' })
          const staffLogin = signedIn(
            await bodyAs<Api['auth']['login']['post']>(await loginThrough(server.url, 'staff@example.com', 'copper kettle 77')),
          )
          expect(staffLogin.user.role).toBe('admin')
          const me = await fetch(`${server.url}/api/v2/auth/me`, { headers: { authorization: `Bearer ${body.access_token}` } })
          expect(me.status).toBe(200)
          // Users exist: no first-user hint.
          expect(server.output()).not.toContain('no users yet')
        } finally {
          await server.stop()
        }
      } finally {
        await db?.drop()
      }
    }, 60_000)
  })
}

describe('first start', () => {
  test('ADMIN_EMAIL/ADMIN_PASSWORD create the first superuser on an empty database', async () => {
    const dataDir = tempDir()
    const server = await startServer({ env: { ADMIN_EMAIL: 'First@Example.com', ADMIN_PASSWORD: 'opening night pw' }, dataDir })
    try {
      const response = await loginThrough(server.url, 'first@example.com', 'opening night pw')
      expect(response.status).toBe(200)
      expect(signedIn(await bodyAs<Api['auth']['login']['post']>(response)).user.role).toBe('superuser')
      expect(server.output()).not.toContain('opening night pw')
    } finally {
      await server.stop()
    }
    // A second start with other values changes nothing: the table is no longer empty.
    const again = await startServer({ env: { ADMIN_EMAIL: 'other@example.com', ADMIN_PASSWORD: 'other admin pw' }, dataDir })
    try {
      expect((await loginThrough(again.url, 'other@example.com', 'other admin pw')).status).toBe(401)
    } finally {
      await again.stop()
    }
  }, 60_000)

  test('without them, one line says how to create the first user', async () => {
    const server = await startServer({ dataDir: tempDir() })
    try {
      await Bun.sleep(50)
      // Started as `bun …/src/index.ts`: the hint is the same command line (the banner repeats it).
      const hints = server
        .output()
        .split('\n')
        .filter((line) => line.includes('"level":"warn"') && line.includes('no users yet'))
      expect(hints.length).toBe(1)
      expect(hints[0]).toContain('src/index.ts user create --email you@example.com --role superuser')
    } finally {
      await server.stop()
    }
  }, 60_000)

  test('a weak ADMIN_PASSWORD stops start-up with one clear line', () => {
    const dataDir = tempDir()
    const result = cli(['serve'], { DATA_DIR: dataDir, PORT: '0', ADMIN_EMAIL: 'x@example.com', ADMIN_PASSWORD: 'short' })
    expect(result.code).not.toBe(0)
    expect(result.stderr.trim()).toBe('crm-api: configuration error: ADMIN_EMAIL/ADMIN_PASSWORD: Password must be at least 12 characters')
  })
})
