import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig, WEAK_SECRET_KEYS } from '../../src/config'

const dataDir = () => mkdtempSync(join(tmpdir(), 'crm-config-'))
const STRONG = 'Zq8v-Lr3xT_0mWb9Kc2yHn5pJd7sFg4a'

describe('configuration', () => {
  test('defaults: SQLite in DATA_DIR, port 8000, development', () => {
    const dir = dataDir()
    const config = loadConfig({ DATA_DIR: dir })
    expect(config.port).toBe(8000)
    expect(config.host).toBe('127.0.0.1')
    expect(config.database).toEqual({ kind: 'sqlite', path: join(dir, 'crm.db'), synchronous: 'normal' })
    expect(config.isProduction).toBe(false)
    expect(config.docsEnabled).toBe(true)
    expect(config.frontendOrigins).toEqual(['http://localhost:5173'])
    expect(config.smsPerMinute).toBe(10)
    expect(config.smsPerHour).toBe(100)
    expect(config.smsPerDestinationHour).toBe(5)
    expect(config.loginMaxFailures).toBe(5)
    expect(config.maxBodyBytes).toBe(1_048_576)
    expect(config.twilio.apiBaseUrl).toBe('https://api.twilio.com')
  })

  test('development generates a secret once, mode 0600, and keeps it', () => {
    const dir = dataDir()
    const first = loadConfig({ DATA_DIR: dir })
    const file = join(dir, 'secret.key')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8').trim()).toBe(first.secretKey)
    expect(first.secretKey.length).toBeGreaterThanOrEqual(32)
    expect(loadConfig({ DATA_DIR: dir }).secretKey).toBe(first.secretKey)
  })

  test.each(['production', 'PROD', 'Staging'])('ENVIRONMENT=%s counts as production: HOST 0.0.0.0, docs off', (environment) => {
    const config = loadConfig({ DATA_DIR: dataDir(), ENVIRONMENT: environment, SECRET_KEY: STRONG })
    expect(config.isProduction).toBe(true)
    expect(config.host).toBe('0.0.0.0')
    expect(config.docsEnabled).toBe(false)
  })

  test.each(['development', 'DEV', 'Test'])('ENVIRONMENT=%s is development', (environment) => {
    const config = loadConfig({ DATA_DIR: dataDir(), ENVIRONMENT: environment })
    expect(config.isProduction).toBe(false)
    expect(config.docsEnabled).toBe(true)
  })

  test.each(['producton', 'prod-eu', 'live'])(
    'ENVIRONMENT=%s stops start-up naming the variable and the accepted values',
    (environment) => {
      expect(() => loadConfig({ DATA_DIR: dataDir(), ENVIRONMENT: environment, SECRET_KEY: STRONG })).toThrow(
        'ENVIRONMENT must be one of development, dev, test, production, prod, staging (any case)',
      )
    },
  )

  test('production turns docs on only when DOCS_ENABLED=true is set explicitly', () => {
    const env = { DATA_DIR: dataDir(), ENVIRONMENT: 'production', SECRET_KEY: STRONG }
    expect(loadConfig({ ...env, DOCS_ENABLED: 'true' }).docsEnabled).toBe(true)
    expect(loadConfig({ ...env, DOCS_ENABLED: 'false' }).docsEnabled).toBe(false)
  })

  test('production refuses a missing, weak or short SECRET_KEY', () => {
    const env = { DATA_DIR: dataDir(), ENVIRONMENT: 'production' }
    expect(() => loadConfig(env)).toThrow(ConfigError)
    for (const weak of WEAK_SECRET_KEYS) expect(() => loadConfig({ ...env, SECRET_KEY: weak })).toThrow(/SECRET_KEY/)
    expect(() => loadConfig({ ...env, SECRET_KEY: STRONG.slice(0, 31) })).toThrow(/at least 32/)
    expect(loadConfig({ ...env, SECRET_KEY: STRONG }).secretKey).toBe(STRONG)
  })

  test.each([
    ['32 spaces', ' '.repeat(32), /only whitespace/],
    ['one letter repeated', 'a'.repeat(40), /SECRET_KEY/],
    ['changeme four times', 'changeme'.repeat(4), /SECRET_KEY/],
    ['a known default plus whitespace', '  development-secret-key-change-in-production \t', /known default/],
    ['a known default in capitals', 'DEVELOPMENT-SECRET-KEY-CHANGE-IN-PRODUCTION', /known default/],
    ['a 16-character pattern twice', 'abcdefghijklmnop'.repeat(2), /pattern repeated/],
    ['fifteen distinct characters', `${'0123456789abcde'.repeat(2)}01`, /16 distinct characters/],
  ])('production refuses a key that is %s, in one line naming SECRET_KEY', (_label, key, problem) => {
    const run = () => loadConfig({ DATA_DIR: dataDir(), ENVIRONMENT: 'production', SECRET_KEY: key })
    expect(run).toThrow(ConfigError)
    expect(run).toThrow(problem)
    try {
      run()
    } catch (error) {
      const message = (error as Error).message
      expect(message.startsWith('SECRET_KEY')).toBe(true)
      expect(message).not.toContain('\n')
      if (key.trim()) expect(message).not.toContain(key.trim())
    }
  })

  test('a generated key passes', () => {
    const key = Bun.spawnSync([process.execPath, join(import.meta.dir, '..', '..', 'src', 'index.ts'), 'secret'])
      .stdout.toString()
      .trim()
    expect(loadConfig({ DATA_DIR: dataDir(), ENVIRONMENT: 'production', SECRET_KEY: key }).secretKey).toBe(key)
  })

  test('the key is used byte for byte', () => {
    const key = `  ${'z'.repeat(40)}  `
    expect(loadConfig({ DATA_DIR: dataDir(), SECRET_KEY: key }).secretKey).toBe(key)
  })

  test('production warns about docs, Twilio token, a wildcard front end and a missing PUBLIC_URL', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      ENVIRONMENT: 'production',
      SECRET_KEY: STRONG,
      FRONTEND_URL: '*',
      DOCS_ENABLED: 'true',
    })
    expect(config.warnings.join('\n')).toMatch(/DOCS_ENABLED/)
    expect(config.warnings.join('\n')).toMatch(/PUBLIC_URL is not set: .*X-Forwarded/)
    expect(config.warnings.join('\n')).toMatch(/TWILIO_AUTH_TOKEN/)
    expect(config.warnings.join('\n')).toMatch(/FRONTEND_URL/)
  })

  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['RATE_LIMIT_SMS_PER_MINUTE', '-1'],
    ['RATE_LIMIT_SMS_PER_HOUR', '1.5'],
    ['LOGIN_MAX_FAILURES', '0'],
    ['MAX_BODY_BYTES', 'big'],
    ['DOCS_ENABLED', 'maybe'],
    ['DATABASE_URL', 'mysql://x'],
    ['PUBLIC_URL', 'not a url'],
    ['SMTP_URL', 'http://mail'],
    ['FRONTEND_URL', 'nope'],
    ['DEFAULT_COUNTRY', 'USA'],
    ['SQLITE_SYNCHRONOUS', 'off'],
    ['COOKIE_SAMESITE', 'none'],
    ['ENVIRONMENT', 'live'],
  ])('malformed %s=%s names the variable', (name, value) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), [name]: value })).toThrow(new RegExp(`^${name}`))
    // `crm-api check` reports each variable on its own line by this name.
    try {
      loadConfig({ DATA_DIR: dataDir(), [name]: value })
    } catch (error) {
      expect((error as ConfigError).variable).toBe(name)
    }
  })

  test('every variable of the table is read, and unset means its default', () => {
    const config = loadConfig({ DATA_DIR: dataDir() }, { ensureSecret: false })
    expect(config.twilio).toEqual({
      accountSid: undefined,
      authToken: undefined,
      phoneNumber: undefined,
      messagingServiceSid: undefined,
      apiBaseUrl: 'https://api.twilio.com',
      timeoutMs: 10_000,
    })
    expect(config.cookieSameSite).toBe('lax')
    expect(config.trustProxy).toBe(0)
    expect(config.logLevel).toBe('info')
    expect(config.defaultCountry).toBe('US')
    expect(config.passwordResetPath).toBe('/reset-password')
    expect(config.auditRetentionDays).toBe(365)
    expect(config.warnings).toEqual([])
  })

  test('DATABASE_URL forms', () => {
    const dir = dataDir()
    expect(loadConfig({ DATA_DIR: dir, DATABASE_URL: 'sqlite:/tmp/a.db' }).database).toEqual({
      kind: 'sqlite',
      path: '/tmp/a.db',
      synchronous: 'normal',
    })
    expect(loadConfig({ DATA_DIR: dir, DATABASE_URL: 'file:/tmp/b.db', SQLITE_SYNCHRONOUS: 'FULL' }).database).toEqual({
      kind: 'sqlite',
      path: '/tmp/b.db',
      synchronous: 'full',
    })
    expect(loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgresql://u@h/db' }).database).toEqual({
      kind: 'postgres',
      url: 'postgresql://u@h/db',
    })
  })

  test('FRONTEND_URL is a comma-separated list of exact origins', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), FRONTEND_URL: 'https://a.example.com/, http://localhost:3000' })
    expect(config.frontendOrigins).toEqual(['https://a.example.com', 'http://localhost:3000'])
  })
})
