import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { CUSTOMER_FIELD_NAMES, EXTRA_FIELD_NAME, EXTRA_FIELDS_MAX } from './customers/fields'

/** A configuration problem that must stop start-up with one clear line. */
export class ConfigError extends Error {
  /** The variable the message starts with (every message names its variable first). */
  get variable(): string | undefined {
    return /^([A-Z][A-Z0-9_]*[A-Z0-9])\b/.exec(this.message)?.[1]
  }
}

/**
 * The data directory exists (or is created, owner-only, when its parent exists)
 * and is writable; otherwise one line names the variable and the path.
 */
export function ensureDataDir(dir: string, variable = 'DATA_DIR'): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ConfigError(`${variable}: ${dir} is not a directory`)
  } else {
    const parent = dirname(dir)
    if (!existsSync(parent)) throw new ConfigError(`${variable}: ${dir} cannot be created because ${parent} does not exist`)
    try {
      mkdirSync(dir, { mode: 0o700 })
    } catch (error) {
      throw new ConfigError(`${variable}: ${dir} cannot be created (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK)
  } catch {
    throw new ConfigError(`${variable}: ${dir} is not writable by this user`)
  }
}

export const WEAK_SECRET_KEYS = [
  'development-secret-key-change-in-production',
  'secret',
  'changeme',
  'your-secret-key',
  'supersecret',
  'dev-secret',
  'test-secret',
]
const MIN_SECRET_LENGTH = 32
/** A random 32-character key has about 24 distinct characters; 16 leaves room for hex keys and refuses `aaaa…`, `changeme…`. */
const MIN_SECRET_DISTINCT = 16

/** ENVIRONMENT values; anything else is a typo that must not silently mean development. */
export const ENVIRONMENTS = ['development', 'dev', 'test', 'production', 'prod', 'staging'] as const

export type DatabaseTarget = { kind: 'sqlite'; path: string; synchronous?: 'normal' | 'full' } | { kind: 'postgres'; url: string }

export interface Config {
  port: number
  host: string
  dataDir: string
  database: DatabaseTarget
  environment: string
  isProduction: boolean
  secretKey: string
  /** Where the key came from, for the production checklist. */
  secretKeySource: 'env' | 'file' | 'generated'
  docsEnabled: boolean
  frontendOrigins: string[]
  publicUrl: string | undefined
  accessTokenMinutes: number
  refreshTokenDays: number
  smsPerMinute: number
  smsPerHour: number
  smsPerDestinationHour: number
  loginMaxFailures: number
  /** Failed logins per client IP per 15 minutes; looser than per account. */
  loginMaxFailuresPerIp: number
  /** How many proxies in front of the server append to X-Forwarded-For (0: ignore the header). */
  trustProxy: number
  /** SameSite of the session and refresh cookies; `none` (another site's SPA) only with Secure cookies. */
  cookieSameSite: 'lax' | 'strict' | 'none'
  /** Extra request headers a cross-origin front end may send (beside the built-in list). */
  corsAllowHeaders: string[]
  /** How long a rotated refresh token still yields the family's current tokens (parallel refreshes). */
  refreshReuseGraceSeconds: number
  twilio: {
    accountSid: string | undefined
    authToken: string | undefined
    phoneNumber: string | undefined
    messagingServiceSid: string | undefined
    apiBaseUrl: string
    timeoutMs: number
  }
  smtpUrl: string | undefined
  emailFrom: string | undefined
  /** Roles that must use two-factor sign-in (REQUIRE_2FA_FOR); each role named on its own. */
  requireTwoFactorFor: ('user' | 'admin' | 'superuser')[]
  /** Path of the front end's reset page; the link is the first FRONTEND_URL origin + this + ?token=… */
  passwordResetPath: string
  defaultCountry: string
  /** Top-level customer fields the office adds (CUSTOMER_EXTRA_FIELDS). */
  customerExtraFields: string[]
  maxBodyBytes: number
  /** Audit rows older than this many days are deleted (at start and every few hours). */
  auditRetentionDays: number
  metricsToken: string | undefined
  adminEmail: string | undefined
  adminPassword: string | undefined
  logLevel: string
  warnings: string[]
}

type Env = Record<string, string | undefined>

const PRODUCTION_NAMES = new Set(['production', 'prod', 'staging'])
const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

function present(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = present(env, name)
  if (raw === undefined) return fallback
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`)
  return value
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = present(env, name)?.toLowerCase()
  if (raw === undefined) return fallback
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true
  if (['0', 'false', 'no', 'off'].includes(raw)) return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = present(env, name)
  if (raw === undefined) return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${raw}"`)
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`)
  }
  return raw
}

function parseDatabaseUrl(raw: string | undefined, dataDir: string): DatabaseTarget {
  if (raw === undefined) return { kind: 'sqlite', path: join(dataDir, 'crm.db') }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw)
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL')
    }
    return { kind: 'postgres', url: raw }
  }
  for (const prefix of ['sqlite://', 'sqlite:', 'file://', 'file:']) {
    if (raw.startsWith(prefix)) {
      const path = raw.slice(prefix.length)
      if (path === '') break
      return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(path) }
    }
  }
  throw new ConfigError('DATABASE_URL must start with sqlite:, file:, postgres:// or postgresql://')
}

const ROLE_NAMES = ['user', 'admin', 'superuser'] as const

function roleList(env: Env, name: string): Config['requireTwoFactorFor'] {
  const roles = (present(env, name) ?? '')
    .split(',')
    .map((role) => role.trim().toLowerCase())
    .filter(Boolean)
  for (const role of roles) {
    if (!(ROLE_NAMES as readonly string[]).includes(role))
      throw new ConfigError(`${name} must list roles among ${ROLE_NAMES.join(', ')}, got "${role}"`)
  }
  return [...new Set(roles)] as Config['requireTwoFactorFor']
}

function resetPath(env: Env): string {
  const path = present(env, 'PASSWORD_RESET_PATH') ?? '/reset-password'
  if (!/^\/[A-Za-z0-9\-._~/%!$&'()*+,;=:@]*$/.test(path) || path.startsWith('//')) {
    throw new ConfigError(`PASSWORD_RESET_PATH must be a path starting with / (no query or fragment), got "${path}"`)
  }
  return path
}

function origins(raw: string): string[] {
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      if (o === '*') return o
      try {
        return new URL(o).origin
      } catch {
        throw new ConfigError(`FRONTEND_URL must list origins like https://app.example.com, got "${o}"`)
      }
    })
}

/** CUSTOMER_EXTRA_FIELDS: comma-separated snake_case names, none of them a field customers already have. */
function extraFieldNames(env: Env): string[] {
  const raw = present(env, 'CUSTOMER_EXTRA_FIELDS')
  if (raw === undefined) return []
  const names = [
    ...new Set(
      raw
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ]
  for (const name of names) {
    if (!EXTRA_FIELD_NAME.test(name))
      throw new ConfigError(
        `CUSTOMER_EXTRA_FIELDS: "${name}" must be lower-case letters, digits and _ (at most 63, starting with a letter)`,
      )
    if ((CUSTOMER_FIELD_NAMES as readonly string[]).includes(name))
      throw new ConfigError(`CUSTOMER_EXTRA_FIELDS: "${name}" is already a customer field`)
  }
  if (names.length > EXTRA_FIELDS_MAX) throw new ConfigError(`CUSTOMER_EXTRA_FIELDS names at most ${EXTRA_FIELDS_MAX} fields`)
  return names
}

/** TRUST_PROXY: a number of trusted proxy hops; `true` means one, `false` none. */
function trustProxyHops(env: Env): number {
  const raw = present(env, 'TRUST_PROXY')?.toLowerCase()
  if (raw === undefined || ['0', 'false', 'no', 'off'].includes(raw)) return 0
  if (['true', 'yes', 'on'].includes(raw)) return 1
  if (!/^\d{1,2}$/.test(raw)) throw new ConfigError(`TRUST_PROXY must be true, false or a number of proxy hops, got "${raw}"`)
  return Number(raw)
}

const SAME_SITE_VALUES = ['lax', 'strict', 'none'] as const

function cookieSameSite(env: Env, isProduction: boolean): Config['cookieSameSite'] {
  const raw = (present(env, 'COOKIE_SAMESITE') ?? 'lax').toLowerCase()
  const value = SAME_SITE_VALUES.find((v) => v === raw)
  if (!value) throw new ConfigError(`COOKIE_SAMESITE must be lax, strict or none, got "${raw}"`)
  // Browsers drop SameSite=None cookies that are not Secure, and cookies are Secure only in production.
  if (value === 'none' && !isProduction)
    throw new ConfigError('COOKIE_SAMESITE=none needs Secure cookies, which are set only in production (ENVIRONMENT=production)')
  return value
}

/** A comma-separated list of HTTP header names (RFC 9110 tokens). */
function headerNames(env: Env, name: string): string[] {
  const raw = present(env, name)
  if (raw === undefined) return []
  const names = raw
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)
  for (const header of names) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(header))
      throw new ConfigError(`${name} must list header names like X-Tenant-ID, got "${header}"`)
  }
  return names
}

/** In development a missing key is generated once and kept, so restarts keep sessions. */
function developmentSecret(dataDir: string): { key: string; source: 'file' | 'generated' } {
  const file = join(dataDir, 'secret.key')
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim()
    if (key.length >= MIN_SECRET_LENGTH) return { key, source: 'file' }
  }
  ensureDataDir(dataDir)
  const key = randomBytes(48).toString('base64url')
  writeFileSync(file, `${key}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return { key, source: 'generated' }
}

/** Why a key is too weak to sign production tokens, or undefined. The key itself never appears in the answer. */
export function secretKeyProblem(key: string | undefined): string | undefined {
  if (key === undefined) return 'SECRET_KEY is not set'
  const trimmed = key.trim()
  if (trimmed === '') return 'SECRET_KEY is only whitespace'
  if (WEAK_SECRET_KEYS.includes(trimmed.toLowerCase())) return 'SECRET_KEY is a known default value'
  if (key.length < MIN_SECRET_LENGTH) return `SECRET_KEY must be at least ${MIN_SECRET_LENGTH} characters`
  // `changeme` four times, `abcd…` repeated: long but guessable.
  if (/^([\s\S]+?)\1+$/.test(trimmed)) return 'SECRET_KEY is a short pattern repeated'
  if (new Set(trimmed).size < MIN_SECRET_DISTINCT)
    return `SECRET_KEY is low in entropy: it needs at least ${MIN_SECRET_DISTINCT} distinct characters (generate one with crm-api secret)`
  return undefined
}

/** Development hosts serve public docs and metrics: only this machine reaches them unless HOST says otherwise. */
function defaultHost(isProduction: boolean): string {
  return isProduction ? '0.0.0.0' : '127.0.0.1'
}

/**
 * Reads every variable once. Throws ConfigError with a line naming the variable.
 * `ensureSecret: false` skips writing a development key (for read-only commands).
 */
export function loadConfig(env: Env = process.env, options: { ensureSecret?: boolean } = {}): Config {
  const environment = present(env, 'ENVIRONMENT') ?? 'development'
  if (!(ENVIRONMENTS as readonly string[]).includes(environment.toLowerCase())) {
    throw new ConfigError(`ENVIRONMENT must be one of ${ENVIRONMENTS.join(', ')} (any case), got "${environment}"`)
  }
  const isProduction = PRODUCTION_NAMES.has(environment.toLowerCase())
  const dataDir = resolve(present(env, 'DATA_DIR') ?? './data')
  const port = integer(env, 'PORT', 8000, 0, 65535)
  const host = present(env, 'HOST') ?? defaultHost(isProduction)
  const database = parseDatabaseUrl(present(env, 'DATABASE_URL'), dataDir)
  if (database.kind === 'sqlite') {
    const synchronous = (present(env, 'SQLITE_SYNCHRONOUS') ?? 'normal').toLowerCase()
    if (synchronous !== 'normal' && synchronous !== 'full') throw new ConfigError('SQLITE_SYNCHRONOUS must be normal or full')
    database.synchronous = synchronous
  }

  // The key is used byte for byte: no trimming.
  const rawKey = env.SECRET_KEY === '' ? undefined : env.SECRET_KEY
  let secretKey: string
  let secretKeySource: Config['secretKeySource'] = 'env'
  if (isProduction) {
    const problem = secretKeyProblem(rawKey)
    if (problem || rawKey === undefined) throw new ConfigError(`${problem} (required in production)`)
    secretKey = rawKey
  } else if (rawKey !== undefined) {
    secretKey = rawKey
  } else if (options.ensureSecret === false) {
    secretKey = randomBytes(48).toString('base64url')
    secretKeySource = 'generated'
  } else {
    const generated = developmentSecret(dataDir)
    secretKey = generated.key
    secretKeySource = generated.source
  }

  // Production documents nothing publicly unless asked to, explicitly.
  const docsEnabled = boolean(env, 'DOCS_ENABLED', !isProduction)
  const frontendOrigins = origins(present(env, 'FRONTEND_URL') ?? 'http://localhost:5173')
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, '')
  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:'])
  const logLevel = (present(env, 'LOG_LEVEL') ?? 'info').toLowerCase()
  if (!LOG_LEVELS.has(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}`)
  const defaultCountry = (present(env, 'DEFAULT_COUNTRY') ?? 'US').toUpperCase()
  if (!/^[A-Z]{2}$/.test(defaultCountry)) throw new ConfigError('DEFAULT_COUNTRY must be a two-letter region code such as US')

  const config: Config = {
    port,
    host,
    dataDir,
    database,
    environment,
    isProduction,
    secretKey,
    secretKeySource,
    docsEnabled,
    frontendOrigins,
    publicUrl,
    accessTokenMinutes: integer(env, 'ACCESS_TOKEN_EXPIRE_MINUTES', 30, 1, 60 * 24 * 30),
    refreshTokenDays: integer(env, 'REFRESH_TOKEN_EXPIRE_DAYS', 7, 1, 365),
    smsPerMinute: integer(env, 'RATE_LIMIT_SMS_PER_MINUTE', 10, 1),
    smsPerHour: integer(env, 'RATE_LIMIT_SMS_PER_HOUR', 100, 1),
    smsPerDestinationHour: integer(env, 'RATE_LIMIT_SMS_PER_DESTINATION_HOUR', 5, 1),
    loginMaxFailures: integer(env, 'LOGIN_MAX_FAILURES', 5, 1),
    loginMaxFailuresPerIp: integer(env, 'LOGIN_MAX_FAILURES_PER_IP', 50, 1),
    trustProxy: trustProxyHops(env),
    cookieSameSite: cookieSameSite(env, isProduction),
    corsAllowHeaders: headerNames(env, 'CORS_ALLOW_HEADERS'),
    refreshReuseGraceSeconds: integer(env, 'REFRESH_REUSE_GRACE_SECONDS', 30, 0, 3600),
    twilio: {
      accountSid: present(env, 'TWILIO_ACCOUNT_SID'),
      authToken: present(env, 'TWILIO_AUTH_TOKEN'),
      phoneNumber: present(env, 'TWILIO_PHONE_NUMBER'),
      messagingServiceSid: present(env, 'TWILIO_MESSAGING_SERVICE_SID'),
      apiBaseUrl: (url(env, 'TWILIO_API_BASE_URL', ['http:', 'https:']) ?? 'https://api.twilio.com').replace(/\/+$/, ''),
      timeoutMs: integer(env, 'TWILIO_TIMEOUT_MS', 10_000, 100, 120_000),
    },
    smtpUrl,
    emailFrom: present(env, 'EMAIL_FROM'),
    requireTwoFactorFor: roleList(env, 'REQUIRE_2FA_FOR'),
    passwordResetPath: resetPath(env),
    defaultCountry,
    customerExtraFields: extraFieldNames(env),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1_048_576, 1),
    auditRetentionDays: integer(env, 'AUDIT_RETENTION_DAYS', 365, 1, 36_500),
    metricsToken: present(env, 'METRICS_TOKEN'),
    adminEmail: present(env, 'ADMIN_EMAIL')?.toLowerCase(),
    adminPassword: env.ADMIN_PASSWORD || undefined,
    logLevel,
    warnings: [],
  }

  if (isProduction) {
    if (docsEnabled) config.warnings.push('DOCS_ENABLED is true in production: the API documentation is public')
    if (!publicUrl) {
      config.warnings.push(
        'PUBLIC_URL is not set: Twilio signatures are checked against a URL built from X-Forwarded-* headers a client can forge',
      )
    }
    if (!config.twilio.authToken) config.warnings.push('TWILIO_AUTH_TOKEN is not set: Twilio webhooks will be rejected')
    if (frontendOrigins.includes('*')) config.warnings.push('FRONTEND_URL is "*": credentialed CORS is never granted to a wildcard')
  }
  return config
}
