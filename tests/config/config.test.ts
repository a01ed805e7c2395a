import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig, WEAK_SECRET_KEYS } from '../../src/config'

const dataDir = () => mkdtempSync(join(tmpdir(), 'crm-config-'))
const STRONG = 'k'.repeat(40)

describe('configuration', () => {
  test('defaults: SQLite in DATA_DIR, port 8000, development', () => {
    const dir = dataDir()
    const config = loadConfig({ DATA_DIR: dir })
    expect(config.port).toBe(8000)
    expect(config.host).toBe('0.0.0.0')
    expect(config.database).toEqual({ kind: 'sqlite', path: join(dir, 'crm.db'), synchronous: 'normal' })
    expect(config.isProduction).toBe(false)
    expect(config.debug).toBe(true)
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

  test.each(['production', 'PROD', 'Staging'])('ENVIRONMENT=%s counts as production', (environment) => {
    const config = loadConfig({ DATA_DIR: dataDir(), ENVIRONMENT: environment, SECRET_KEY: STRONG, DEBUG: 'true' })
    expect(config.isProduction).toBe(true)
    expect(config.debug).toBe(false)
  })

  test('production refuses a missing, weak or short SECRET_KEY', () => {
    const env = { DATA_DIR: dataDir(), ENVIRONMENT: 'production' }
    expect(() => loadConfig(env)).toThrow(ConfigError)
    for (const weak of WEAK_SECRET_KEYS) expect(() => loadConfig({ ...env, SECRET_KEY: weak })).toThrow(/SECRET_KEY/)
    expect(() => loadConfig({ ...env, SECRET_KEY: 'x'.repeat(31) })).toThrow(/at least 32/)
    expect(loadConfig({ ...env, SECRET_KEY: 'x'.repeat(32) }).secretKey).toBe('x'.repeat(32))
  })

  test('the key is used byte for byte', () => {
    const key = `  ${'z'.repeat(40)}  `
    expect(loadConfig({ DATA_DIR: dataDir(), SECRET_KEY: key }).secretKey).toBe(key)
  })

  test('production warns about docs, Twilio token and a wildcard front end', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), ENVIRONMENT: 'production', SECRET_KEY: STRONG, FRONTEND_URL: '*' })
    expect(config.warnings.join('\n')).toMatch(/DOCS_ENABLED/)
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
  ])('malformed %s=%s names the variable', (name, value) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), [name]: value })).toThrow(new RegExp(name))
  })

  test('DATABASE_URL forms', () => {
    const dir = dataDir()
    expect(loadConfig({ DATA_DIR: dir, DATABASE_URL: 'sqlite:/tmp/a.db' }).database).toEqual({ kind: 'sqlite', path: '/tmp/a.db', synchronous: 'normal' })
    expect(loadConfig({ DATA_DIR: dir, DATABASE_URL: 'file:/tmp/b.db', SQLITE_SYNCHRONOUS: 'FULL' }).database).toEqual({ kind: 'sqlite', path: '/tmp/b.db', synchronous: 'full' })
    expect(loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgresql://u@h/db' }).database).toEqual({ kind: 'postgres', url: 'postgresql://u@h/db' })
  })

  test('FRONTEND_URL is a comma-separated list of exact origins', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), FRONTEND_URL: 'https://a.example.com/, http://localhost:3000' })
    expect(config.frontendOrigins).toEqual(['https://a.example.com', 'http://localhost:3000'])
  })
})
