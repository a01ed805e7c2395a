import { describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serverCommand } from '../helpers/spawn'

const GOOD_KEY = `${'k'.repeat(20)}-production-key-0123456789`

function check(env: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), 'crm-check-'))
  try {
    const result = Bun.spawnSync(serverCommand('source', ['check']), {
      cwd,
      env: { PATH: process.env.PATH!, DATA_DIR: join(cwd, 'data'), ...env },
    })
    const stdout = result.stdout.toString()
    const lines = stdout.split('\n').filter(Boolean)
    const statusOf = (name: string) => lines.find((line) => line.split(/\s+/)[1] === `${name}:`)?.split(/\s+/)[0]
    return { code: result.exitCode, stdout, stderr: result.stderr.toString(), statusOf }
  } finally {
    rmSync(cwd, { recursive: true, force: true })
  }
}

const PRODUCTION = {
  ENVIRONMENT: 'production',
  SECRET_KEY: GOOD_KEY,
  FRONTEND_URL: 'https://crm.example.com',
  PUBLIC_URL: 'https://api.example.com',
}

describe('crm-api check', () => {
  test('a minimal production setup passes with warnings: exit 0', () => {
    const result = check(PRODUCTION)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.statusOf('ENVIRONMENT')).toBe('OK')
    expect(result.statusOf('SECRET_KEY')).toBe('OK')
    expect(result.statusOf('DATA_DIR')).toBe('OK')
    expect(result.statusOf('DATABASE_URL')).toBe('OK')
    // Production turns docs and metrics off by itself.
    expect(result.statusOf('DOCS_ENABLED')).toBe('OK')
    expect(result.statusOf('METRICS_TOKEN')).toBe('OK')
    for (const name of ['TWILIO_AUTH_TOKEN', 'TWILIO_ACCOUNT_SID', 'SMTP_URL']) {
      expect(result.statusOf(name), name).toBe('WARN')
    }
    expect(result.stdout).toContain('all checks passed')
    // The key itself is never printed.
    expect(result.stdout).not.toContain(GOOD_KEY)
  }, 20_000)

  test('a complete production setup has no warnings', () => {
    const result = check({
      ...PRODUCTION,
      DOCS_ENABLED: 'false',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'twilio-token',
      TWILIO_PHONE_NUMBER: '+15005550006',
      SMTP_URL: 'smtp://mailer:pw@127.0.0.1:2525',
      EMAIL_FROM: 'crm@example.com',
      FRONTEND_URL: 'https://crm.example.com',
      PUBLIC_URL: 'https://api.example.com',
      METRICS_TOKEN: 'metrics-token',
    })
    expect(result.code).toBe(0)
    expect(result.stdout).not.toMatch(/^(WARN|FAIL)/m)
    expect(result.stdout).not.toContain('twilio-token')
    expect(result.stdout).not.toContain('mailer:pw')
  }, 20_000)

  test.each([
    ['not production', { SECRET_KEY: GOOD_KEY }, 'ENVIRONMENT'],
    ['no SECRET_KEY', { ENVIRONMENT: 'production' }, 'SECRET_KEY'],
    ['a weak SECRET_KEY', { ENVIRONMENT: 'prod', SECRET_KEY: 'changeme' }, 'SECRET_KEY'],
    ['a short SECRET_KEY', { ENVIRONMENT: 'staging', SECRET_KEY: GOOD_KEY.slice(0, 31) }, 'SECRET_KEY'],
    ['a whitespace SECRET_KEY', { ...PRODUCTION, SECRET_KEY: ' '.repeat(32) }, 'SECRET_KEY'],
    ['a repeated SECRET_KEY', { ...PRODUCTION, SECRET_KEY: 'changeme'.repeat(4) }, 'SECRET_KEY'],
    ['a low-entropy SECRET_KEY', { ...PRODUCTION, SECRET_KEY: 'a'.repeat(40) }, 'SECRET_KEY'],
    ['a default SECRET_KEY with whitespace', { ...PRODUCTION, SECRET_KEY: ' development-secret-key-change-in-production ' }, 'SECRET_KEY'],
    ['no PUBLIC_URL', { ...PRODUCTION, PUBLIC_URL: '' }, 'PUBLIC_URL'],
    ['no FRONTEND_URL', { ...PRODUCTION, FRONTEND_URL: '' }, 'FRONTEND_URL'],
    ['a misspelt ENVIRONMENT', { ...PRODUCTION, ENVIRONMENT: 'producton' }, 'ENVIRONMENT'],
    ['a malformed variable', { ...PRODUCTION, PORT: 'abc' }, 'PORT'],
    ['an unreachable PostgreSQL', { ...PRODUCTION, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/crm' }, 'DATABASE_URL'],
  ])(
    '%s fails: non-zero exit',
    (_label, env, failing) => {
      const result = check(env)
      expect(result.code).not.toBe(0)
      expect(result.statusOf(failing)).toBe('FAIL')
      expect(result.stdout).toMatch(/\d+ check\(s\) failed/)
    },
    20_000,
  )

  test('an unwritable DATA_DIR fails', () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere; a read-only place is the honest test here.
      const result = check({ ...PRODUCTION, DATABASE_URL: 'sqlite:/proc/crm-test/crm.db' })
      expect(result.code).not.toBe(0)
      expect(result.statusOf('DATA_DIR')).toBe('FAIL')
      return
    }
    const dir = mkdtempSync(join(tmpdir(), 'crm-ro-'))
    mkdirSync(join(dir, 'data'))
    chmodSync(join(dir, 'data'), 0o500)
    try {
      const result = check({ ...PRODUCTION, DATA_DIR: join(dir, 'data') })
      expect(result.code).not.toBe(0)
      expect(result.statusOf('DATA_DIR')).toBe('FAIL')
    } finally {
      chmodSync(join(dir, 'data'), 0o700)
      rmSync(dir, { recursive: true, force: true })
    }
  }, 20_000)
})

describe('crm-api check reports everything at once', () => {
  test('several problems: every item is still reported, each failure named', () => {
    const result = check({
      ENVIRONMENT: 'producton',
      SECRET_KEY: 'a'.repeat(40),
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      PUBLIC_URL: 'https://api.example.com',
    })
    expect(result.code).toBe(1)
    for (const name of ['ENVIRONMENT', 'SECRET_KEY', 'PORT', 'LOG_LEVEL', 'FRONTEND_URL']) expect(result.statusOf(name), name).toBe('FAIL')
    expect(result.stdout).toContain('ENVIRONMENT must be one of development, dev, test, production, prod, staging')
    // The items after the failures are still there.
    for (const name of ['DOCS_ENABLED', 'TWILIO_AUTH_TOKEN', 'SMTP_URL', 'PUBLIC_URL', 'METRICS_TOKEN', 'DATA_DIR', 'DATABASE_URL']) {
      expect(result.statusOf(name), name).toBeDefined()
    }
    expect(result.stdout).toContain('5 check(s) failed')
  }, 20_000)

  test('DEBUG is reported as having no effect, not as a setting', () => {
    const result = check({ ...PRODUCTION, DEBUG: 'true' })
    expect(result.statusOf('DEBUG')).toBe('WARN')
    expect(result.stdout).toContain('DEBUG is set but has no effect')
    expect(check(PRODUCTION).statusOf('DEBUG')).toBeUndefined()
  }, 20_000)

  test('never creates the database file or its directory', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'crm-check-nofile-'))
    try {
      const dataDir = join(cwd, 'data')
      const result = Bun.spawnSync(serverCommand('source', ['check']), {
        cwd,
        env: { PATH: process.env.PATH!, ...PRODUCTION, DATA_DIR: dataDir },
      })
      expect(result.exitCode).toBe(0)
      expect(result.stdout.toString()).toContain('is created at first start')
      expect(existsSync(dataDir)).toBe(false)
      mkdirSync(dataDir)
      expect(
        Bun.spawnSync(serverCommand('source', ['check']), { cwd, env: { PATH: process.env.PATH!, ...PRODUCTION, DATA_DIR: dataDir } })
          .exitCode,
      ).toBe(0)
      expect(readdirSync(dataDir)).toEqual([])
    } finally {
      rmSync(cwd, { recursive: true, force: true })
    }
  }, 20_000)

  test("shows the database driver's own error", () => {
    const refused = check({ ...PRODUCTION, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/crm' })
    expect(refused.stdout).toMatch(/FAIL\s+DATABASE_URL: PostgreSQL: .*(ECONNREFUSED|refused|connect)/i)
  }, 20_000)

  const pgUrl = process.env.TEST_DATABASE_URL
  test.skipIf(!pgUrl)(
    'a missing PostgreSQL database is named',
    () => {
      const url = new URL(pgUrl!)
      url.pathname = '/crm_check_missing_db'
      const result = check({ ...PRODUCTION, DATABASE_URL: url.toString() })
      expect(result.code).toBe(1)
      expect(result.stdout).toContain('database "crm_check_missing_db" does not exist')
    },
    20_000,
  )
})
