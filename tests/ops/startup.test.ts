import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pkg from '../../package.json' with { type: 'json' }
import { BINARY, ROOT, serverCommand, startServer } from '../helpers/spawn'
import { TEST_SECRET } from '../helpers/harness'

beforeAll(() => {
  if (!existsSync(BINARY)) {
    const build = Bun.spawnSync(['bun', 'run', 'build'], { cwd: ROOT, stdout: 'ignore', stderr: 'pipe' })
    if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`)
  }
})

type LogLine = Record<string, unknown> & { msg?: string }
const logLines = (output: string): LogLine[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
const banner = (output: string) => logLines(output).find((line) => typeof line.msg === 'string' && line.msg.includes(' listening on '))!

function run(kind: 'binary' | 'source', args: string[], env: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), 'crm-start-'))
  try {
    const result = Bun.spawnSync(serverCommand(kind, args), { cwd, env: { PATH: process.env.PATH!, ...env }, timeout: 20_000 })
    return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() }
  } finally {
    rmSync(cwd, { recursive: true, force: true })
  }
}

describe('start-up banner', () => {
  test('source run by npm: URL, docs, absolute database, development secret, and the npm command for the first user', async () => {
    const server = await startServer({ kind: 'source', env: { npm_lifecycle_event: 'start' } })
    try {
      const line = banner(server.output())
      expect(line.msg).toContain(`listening on http://127.0.0.1:${server.port}`)
      expect(line.msg).toContain(`docs http://127.0.0.1:${server.port}/docs`)
      expect(line.msg).toContain(`database ${join(server.dataDir, 'crm.db')}`)
      expect(line.msg).toContain(`development secret in ${join(server.dataDir, 'secret.key')}`)
      expect(line.msg).toContain(
        `no users yet: DATA_DIR=${server.dataDir} npm run crm -- user create --email you@example.com --role superuser`,
      )
      expect(line).toMatchObject({
        level: 'info',
        version: pkg.version,
        database: 'sqlite',
        databaseLocation: join(server.dataDir, 'crm.db'),
      })
      expect(line.commit).toMatch(/^([0-9a-f]{7,40}|unknown)$/)
    } finally {
      await server.stop()
    }
  }, 30_000)

  test('the binary names itself in the first-user hint; with a user and in production the banner is shorter', async () => {
    const server = await startServer({ kind: 'binary' })
    try {
      expect(banner(server.output()).msg).toContain(
        `no users yet: DATA_DIR=${server.dataDir} ${BINARY} user create --email you@example.com --role superuser`,
      )
    } finally {
      await server.stop()
    }
    const production = await startServer({
      kind: 'binary',
      env: {
        ENVIRONMENT: 'production',
        SECRET_KEY: TEST_SECRET,
        PUBLIC_URL: 'https://api.example.com',
        ADMIN_EMAIL: 'boss@example.com',
        ADMIN_PASSWORD: 'banner check 5c2e9a1f',
      },
    })
    try {
      const msg = banner(production.output()).msg!
      expect(msg).not.toContain('/docs')
      expect(msg).not.toContain('secret')
      expect(msg).not.toContain('no users yet')
      expect(msg).not.toContain(TEST_SECRET)
    } finally {
      await production.stop()
    }
  }, 30_000)

  test('production without PUBLIC_URL starts with a warning naming the forged-header risk', async () => {
    const server = await startServer({ kind: 'binary', env: { ENVIRONMENT: 'production', SECRET_KEY: TEST_SECRET } })
    try {
      const warning = logLines(server.output()).find(
        (line) => line.level === 'warn' && String(line.msg).startsWith('PUBLIC_URL is not set'),
      )
      expect(warning?.msg).toContain('X-Forwarded')
    } finally {
      await server.stop()
    }
  }, 30_000)
})

describe('versions and migrations', () => {
  test('--version, /health and the start-up log carry the version and the build commit', async () => {
    const version = run('binary', ['--version'], {}).stdout.trim()
    expect(version).toMatch(new RegExp(`^${pkg.version.replaceAll('.', '\\.')} \\(commit ([0-9a-f]{12}|unknown)\\)$`))
    const commit = /commit (\S+)\)/.exec(version)![1]
    const git = Bun.spawnSync(['git', 'rev-parse', '--short=12', 'HEAD'], { cwd: ROOT })
    if (git.exitCode === 0) {
      // The binary embeds the commit it was built from (a real commit of this repository);
      // from source the commit is asked of git.
      expect(Bun.spawnSync(['git', 'cat-file', '-e', `${commit}^{commit}`], { cwd: ROOT }).exitCode).toBe(0)
      expect(run('source', ['--version'], {}).stdout.trim()).toBe(`${pkg.version} (commit ${git.stdout.toString().trim()})`)
    }
    const server = await startServer({ kind: 'binary' })
    try {
      expect(await (await fetch(`${server.url}/health`)).json()).toMatchObject({ status: 'ok', version: pkg.version, commit })
      expect(banner(server.output())).toMatchObject({ version: pkg.version, commit })
    } finally {
      await server.stop()
    }
  }, 30_000)

  test('the first start logs each applied migration by name; the next start applies none', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-migr-'))
    try {
      const first = await startServer({ kind: 'binary', dataDir })
      await first.stop()
      const applied = logLines(first.output()).find((line) => Array.isArray(line.migrations))
      expect(applied?.migrations).toContain('0000_init')
      expect(String(applied?.msg)).toStartWith('applied migrations: 0000_init, ')
      const second = await startServer({ kind: 'binary', dataDir })
      await second.stop()
      expect(logLines(second.output()).some((line) => Array.isArray(line.migrations))).toBe(false)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 30_000)
})

describe('DATA_DIR and file modes', () => {
  test('the database, its WAL and shared-memory files are created owner-only', async () => {
    const server = await startServer({ kind: 'binary' })
    try {
      await fetch(`${server.url}/health`)
      for (const name of ['crm.db', 'crm.db-wal', 'crm.db-shm', 'secret.key']) {
        expect(statSync(join(server.dataDir, name)).mode & 0o777, name).toBe(0o600)
      }
    } finally {
      await server.stop()
    }
  }, 30_000)

  const base = mkdtempSync(join(tmpdir(), 'crm-datadir-'))
  writeFileSync(join(base, 'a-file'), '')
  test.each([
    ['a file', join(base, 'a-file'), 'is not a directory'],
    ['under a missing parent', join(base, 'missing', 'data'), `because ${join(base, 'missing')} does not exist`],
  ])(
    'DATA_DIR that is %s stops start-up with one line naming DATA_DIR and the path',
    (_label, dir, reason) => {
      for (const kind of ['source', 'binary'] as const) {
        for (const env of [{}, { SECRET_KEY: TEST_SECRET }] as Record<string, string>[]) {
          const result = run(kind, [], { DATA_DIR: dir, PORT: '0', ...env })
          expect(result.code).toBe(1)
          const lines = result.stderr.trim().split('\n')
          expect(lines).toHaveLength(1)
          expect(lines[0]).toStartWith('crm-api: configuration error: DATA_DIR: ')
          expect(lines[0]).toContain(dir)
          expect(lines[0]).toContain(reason)
        }
      }
    },
    30_000,
  )

  test.skipIf(process.getuid?.() === 0)('a DATA_DIR that is not writable stops start-up', () => {
    const dir = join(base, 'read-only')
    mkdirSync(dir, { mode: 0o500 })
    const result = run('source', [], { DATA_DIR: dir, PORT: '0', SECRET_KEY: TEST_SECRET })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`DATA_DIR: ${dir} is not writable`)
  })
})

describe('npm run crm', () => {
  test('runs the CLI from a checkout with only npm on the PATH to start it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-npm-'))
    try {
      const create = Bun.spawnSync(
        [
          'npm',
          'run',
          '--silent',
          'crm',
          '--',
          'user',
          'create',
          '--email',
          'first@example.com',
          '--role',
          'superuser',
          '--password-stdin',
        ],
        {
          cwd: ROOT,
          env: { ...process.env, DATA_DIR: dataDir },
          stdin: new TextEncoder().encode('orchid lantern quarry 7d\n'),
          timeout: 30_000,
        },
      )
      expect(create.stderr.toString()).toBe('')
      expect(create.stdout.toString()).toContain('created user first@example.com (role superuser)')
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 40_000)
})
