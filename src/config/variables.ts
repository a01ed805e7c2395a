import { resolve } from 'node:path'
import { databaseTarget, extraFieldNames, headerNames, origins, resetPath, roleList, trustProxyHops } from './formats'
import { developmentSecret, randomKey, secretKeyProblem } from './secret-key'
import { boolean, ConfigError, integer, oneOf, type ReadContext, text, url, readValue, variable } from './variable'

/**
 * Every environment variable the server reads, in the order it reads them and
 * the README lists them. loadConfig, `crm-api check`, the README's table and
 * docs/operations.md's checklist are all derived from this list
 * (`npm run docs:config` rewrites the two documents).
 */

/** ENVIRONMENT values; anything else is a typo that must not silently mean development. */
const ENVIRONMENTS = ['development', 'dev', 'test', 'production', 'prod', 'staging'] as const
const PRODUCTION_NAMES = new Set(['production', 'prod', 'staging'])
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
const code = (word: string) => `\`${word}\``

const environment = variable({
  name: 'ENVIRONMENT',
  default: code('development'),
  doc: `one of ${ENVIRONMENTS.map(code).join(', ')} (any case); the last three count as production. Anything else (\`producton\`, \`prod-eu\`) stops start-up`,
  parse(raw, { name }) {
    const given = raw ?? 'development'
    if (!(ENVIRONMENTS as readonly string[]).includes(given.toLowerCase())) {
      throw new ConfigError(`${name} must be one of ${ENVIRONMENTS.join(', ')} (any case), got "${given}"`, name)
    }
    return { name: given, isProduction: PRODUCTION_NAMES.has(given.toLowerCase()) }
  },
  production: {
    fails: {
      when: 'not `production`, `prod` or `staging` (any case), or not an accepted value at all',
      message: (config) =>
        config.isProduction ? undefined : `not production: set ENVIRONMENT=production (accepted: ${ENVIRONMENTS.join(', ')})`,
    },
    ok: (config) => `${config.environment} counts as production`,
  },
})

const isProduction = (context: ReadContext) => readValue(environment, context).isProduction

const dataDir = variable({
  name: 'DATA_DIR',
  default: code('./data'),
  doc: 'where the SQLite file and a generated development secret live. Created (owner-only) when its parent exists; the database, WAL and shared-memory files are created mode 0600',
  parse: (raw) => resolve(raw ?? './data'),
  production: {
    probe: true,
    fails: {
      when: 'SQLite only: the database directory is not a directory, cannot be created or written (proved with a probe that is removed again), or the database is `:memory:`',
    },
  },
})

const databaseUrl = variable({
  name: 'DATABASE_URL',
  default: 'SQLite at `DATA_DIR/crm.db`',
  doc: '`sqlite:PATH`, `file:PATH`, `postgres://…` or `postgresql://…`',
  parse: (raw, context) => databaseTarget(raw, readValue(dataDir, context)),
  production: {
    probe: true,
    fails: {
      when: 'the database cannot be opened or does not answer; the driver\'s own words follow (`database "crm" does not exist`, `role "crm" does not exist`, `connect ECONNREFUSED …`)',
    },
  },
})

const synchronous = oneOf(['normal', 'full'], 'normal', (name) => `${name} must be normal or full`)
const sameSite = oneOf(['lax', 'strict', 'none'], 'lax', (name, value) => `${name} must be lax, strict or none, got "${value}"`)
const logLevel = oneOf(LOG_LEVELS, 'info', (name) => `${name} must be one of ${LOG_LEVELS.join(', ')}`)
const webUrl = url(['http:', 'https:'])

export const VARIABLES = [
  environment,
  variable({ name: 'PORT', ...integer(8000, 0, 65535), doc: 'port to listen on' }),
  variable({
    name: 'HOST',
    default: 'development `127.0.0.1`, production `0.0.0.0`',
    doc: 'address to listen on. Development listens on this machine only, because its docs and `/metrics` are public; set `HOST=0.0.0.0` to open it to the network',
    parse: (raw, context) => raw ?? (isProduction(context) ? '0.0.0.0' : '127.0.0.1'),
  }),
  dataDir,
  databaseUrl,
  variable({
    name: 'SQLITE_SYNCHRONOUS',
    default: synchronous.default,
    doc: '`full` makes every SQLite commit wait for the disk (see Decisions); ignored on PostgreSQL',
    parse: (raw, context) => (readValue(databaseUrl, context).kind === 'sqlite' ? synchronous.parse(raw, context) : undefined),
  }),
  variable({
    name: 'SECRET_KEY',
    default: 'development: generated once into `DATA_DIR/secret.key` (mode 0600)',
    doc: 'HS256 key of every JWT, byte for byte. Production refuses to start when it is missing, whitespace, a known default (also with spaces around it), shorter than 32 characters, a short pattern repeated, or made of fewer than 16 distinct characters; `crm-api secret` prints a good one',
    verbatim: true,
    secret: true,
    parse(raw, context): { key: string; source: 'env' | 'file' | 'generated' } {
      if (isProduction(context)) {
        const problem = secretKeyProblem(raw)
        if (problem !== undefined || raw === undefined) throw new ConfigError(`${problem} (required in production)`, context.name)
        return { key: raw, source: 'env' }
      }
      if (raw !== undefined) return { key: raw, source: 'env' }
      if (!context.ensureSecret) return { key: randomKey(), source: 'generated' }
      return developmentSecret(readValue(dataDir, context))
    },
    production: {
      fails: {
        when: 'missing, whitespace, a known default (`changeme`, `secret`, … also with spaces around it), shorter than 32 characters, a short pattern repeated, or fewer than 16 distinct characters',
        // Judged from the variable itself: `crm-api check` loads the rest with a stand-in key.
        message: (_config, env) => secretKeyProblem(env.SECRET_KEY || undefined),
      },
      ok: () => 'set, long, not a known default or a pattern',
    },
  }),
  variable({
    name: 'DOCS_ENABLED',
    default: 'development `true`, production `false`',
    doc: '`/docs`, `/redoc`, `/openapi.json`; when off they answer 404. Production serves them only with `DOCS_ENABLED=true` set explicitly',
    // Production documents nothing publicly unless asked to, explicitly.
    parse: (raw, context) => boolean(raw, !isProduction(context), context.name),
    production: {
      warns: {
        when: '`DOCS_ENABLED=true`: `/docs`, `/redoc`, `/openapi.json` are public (production turns them off by default)',
        message: (config) =>
          config.docsEnabled ? 'API docs are public (/docs, /redoc, /openapi.json); unset DOCS_ENABLED to turn them off' : undefined,
      },
      ok: () => 'docs off',
      startupWarning: (config) => (config.docsEnabled ? 'DOCS_ENABLED is true in production: the API documentation is public' : undefined),
    },
  }),
  variable({
    name: 'FRONTEND_URL',
    default: code('http://localhost:5173'),
    doc: 'CORS allow-list: comma-separated exact origins',
    parse: (raw) => origins(raw ?? 'http://localhost:5173'),
    production: {
      fails: {
        when: 'not set',
        message: (_config, env) =>
          env.FRONTEND_URL?.trim() ? undefined : "not set: list the front end's origin, e.g. https://crm.example.com",
      },
      warns: {
        when: 'it is `*` (never granted credentials: list exact origins), or an origin is plain `http://`',
        message: (config) => {
          if (config.frontendOrigins.includes('*')) return '"*" is never granted credentials: list exact origins'
          if (config.frontendOrigins.some((o) => o.startsWith('http://'))) return 'an origin is plain http'
          return undefined
        },
      },
      ok: (config) => config.frontendOrigins.join(', '),
      startupWarning: (config) =>
        config.frontendOrigins.includes('*') ? 'FRONTEND_URL is "*": credentialed CORS is never granted to a wildcard' : undefined,
    },
  }),
  variable({
    name: 'PUBLIC_URL',
    default: 'unset',
    doc: "external base URL; when set, the URL Twilio signed and the server's own origin for the cross-site check. Set it in production: without it the signed URL is rebuilt from `X-Forwarded-*` headers, so a signature Twilio made for another app on the same account validates here through a forged `X-Forwarded-Host` (`crm-api check` fails, start-up warns)",
    parse: (raw, context) => webUrl.parse(raw, context)?.replace(/\/+$/, ''),
    production: {
      fails: {
        when: 'not set (see below)',
        message: (config) =>
          config.publicUrl
            ? undefined
            : 'not set: Twilio signatures would be checked against a URL built from X-Forwarded-* headers, which a client can forge',
      },
      warns: { when: 'not `https://`', message: (config) => (config.publicUrl?.startsWith('https://') ? undefined : 'not https') },
      ok: (config) => config.publicUrl ?? '',
      startupWarning: (config) =>
        config.publicUrl
          ? undefined
          : 'PUBLIC_URL is not set: Twilio signatures are checked against a URL built from X-Forwarded-* headers a client can forge',
    },
  }),
  variable({ name: 'ACCESS_TOKEN_EXPIRE_MINUTES', ...integer(30, 1, 60 * 24 * 30), doc: 'access token lifetime' }),
  variable({ name: 'REFRESH_TOKEN_EXPIRE_DAYS', ...integer(7, 1, 365), doc: 'refresh token (login session) lifetime' }),
  variable({ name: 'RATE_LIMIT_SMS_PER_MINUTE', ...integer(10, 1), doc: 'SMS per user per rolling minute' }),
  variable({ name: 'RATE_LIMIT_SMS_PER_HOUR', ...integer(100, 1), doc: 'SMS per user per rolling hour' }),
  variable({
    name: 'RATE_LIMIT_SMS_PER_DESTINATION_HOUR',
    ...integer(5, 1),
    doc: 'SMS per destination number per rolling hour, all users together',
  }),
  variable({ name: 'LOGIN_MAX_FAILURES', ...integer(5, 1), doc: 'failed logins per account per 15 minutes before 429' }),
  variable({ name: 'LOGIN_MAX_FAILURES_PER_IP', ...integer(50, 1), doc: 'failed logins per client IP per 15 minutes before 429' }),
  variable({
    name: 'TRUST_PROXY',
    default: code('false'),
    doc: 'number of proxies you run in front of the server (`true` = 1): the client IP is the `X-Forwarded-For` entry that many from the right, if it is an IP address',
    parse: trustProxyHops,
  }),
  variable({
    name: 'COOKIE_SAMESITE',
    default: sameSite.default,
    doc: '`lax`, `strict`, or `none` for a front end on another site (needs Secure cookies: production only)',
    parse(raw, context) {
      const value = sameSite.parse(raw, context)
      // Browsers drop SameSite=None cookies that are not Secure, and cookies are Secure only in production.
      if (value === 'none' && !isProduction(context))
        throw new ConfigError(
          'COOKIE_SAMESITE=none needs Secure cookies, which are set only in production (ENVIRONMENT=production)',
          context.name,
        )
      return value
    },
  }),
  variable({
    name: 'CORS_ALLOW_HEADERS',
    default: 'unset',
    doc: 'extra request headers a front end may send, comma-separated (beside `Authorization`, `Content-Type`, `Accept`, `X-Request-ID`, `X-Correlation-ID`, `X-CSRF-Token`, `X-Entity-ID`)',
    parse: (raw, { name }) => headerNames(raw, name),
  }),
  variable({
    name: 'REFRESH_REUSE_GRACE_SECONDS',
    ...integer(30, 0, 3600),
    doc: "a rotated refresh token presented again within this time (parallel tabs) gets the session's current tokens; later, reuse ends the session",
  }),
  variable({
    name: 'TWILIO_ACCOUNT_SID',
    ...text(),
    doc: 'Twilio account, for sending SMS (with `TWILIO_AUTH_TOKEN`)',
    production: {
      warns: {
        when: 'SMS sending is not configured (needs `TWILIO_ACCOUNT_SID` and `TWILIO_PHONE_NUMBER` or `TWILIO_MESSAGING_SERVICE_SID`)',
        message: ({ twilio }) =>
          twilio.accountSid && (twilio.phoneNumber || twilio.messagingServiceSid)
            ? undefined
            : 'SMS sending is not configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER or TWILIO_MESSAGING_SERVICE_SID)',
      },
      ok: () => 'SMS sender configured',
    },
  }),
  variable({
    name: 'TWILIO_AUTH_TOKEN',
    ...text(),
    doc: 'Twilio auth token: signs the calls to the Messages API and checks the signature of every Twilio webhook (unset: webhooks answer 403)',
    secret: true,
    production: {
      warns: {
        when: 'not set: every Twilio webhook is rejected with 403',
        message: (config) => (config.twilio.authToken ? undefined : 'not set: Twilio webhooks will be rejected'),
      },
      ok: () => 'set: webhooks can be verified',
      startupWarning: (config) => (config.twilio.authToken ? undefined : 'TWILIO_AUTH_TOKEN is not set: Twilio webhooks will be rejected'),
    },
  }),
  variable({ name: 'TWILIO_PHONE_NUMBER', ...text(), doc: 'SMS sender number; `TWILIO_MESSAGING_SERVICE_SID` wins when both are set' }),
  variable({ name: 'TWILIO_MESSAGING_SERVICE_SID', ...text(), doc: 'SMS sender as a Twilio messaging service, instead of a number' }),
  variable({
    name: 'TWILIO_API_BASE_URL',
    default: code('https://api.twilio.com'),
    doc: 'where the Messages API is called',
    parse: (raw, context) => (webUrl.parse(raw, context) ?? 'https://api.twilio.com').replace(/\/+$/, ''),
  }),
  variable({ name: 'TWILIO_TIMEOUT_MS', ...integer(10_000, 100, 120_000), doc: 'bound on one Twilio API call' }),
  variable({
    name: 'SMTP_URL',
    ...url(['smtp:', 'smtps:']),
    doc: 'e-mail transport (`smtp://user:pass@host:port`, `smtps://…`)',
    secret: true,
    production: {
      warns: {
        when: 'e-mail sending is not configured (needs `SMTP_URL` and `EMAIL_FROM`)',
        message: (config) =>
          config.smtpUrl && config.emailFrom
            ? undefined
            : 'e-mail sending is not configured (set SMTP_URL and EMAIL_FROM): password reset by e-mail answers 503 and no security notices are sent',
      },
      ok: () => 'e-mail configured',
    },
  }),
  variable({ name: 'EMAIL_FROM', ...text(), doc: 'sender of every e-mail, e.g. `Office <office@example.com>`' }),
  variable({
    name: 'PASSWORD_RESET_PATH',
    default: code('/reset-password'),
    doc: "path of the front end's reset page; the e-mailed link is the first `FRONTEND_URL` origin + this + `?token=…`",
    parse: (raw) => resetPath(raw, '/reset-password'),
  }),
  variable({
    name: 'REQUIRE_2FA_FOR',
    default: 'empty',
    doc: 'comma list of roles (`user`, `admin`, `superuser`, each named on its own) that must use two-factor sign-in: until enrolled, such a user reaches only `/auth/me`, `/auth/2fa/*` and logout (403 otherwise)',
    parse: (raw, { name }) => roleList(raw, name),
  }),
  variable({
    name: 'DEFAULT_COUNTRY',
    default: code('US'),
    doc: 'region for phone numbers written without `+`',
    parse(raw, { name }) {
      const country = (raw ?? 'US').toUpperCase()
      if (!/^[A-Z]{2}$/.test(country)) throw new ConfigError(`${name} must be a two-letter region code such as US`, name)
      return country
    },
  }),
  variable({
    name: 'CUSTOMER_EXTRA_FIELDS',
    default: 'unset',
    doc: "comma-separated snake_case names of the office's own customer fields (e.g. `system_type,manufacturer,tank_size_gallons`): accepted as text (≤1,000 characters), number, boolean or null, stored and returned at the top level of a customer; see [docs/customers.md](docs/customers.md)",
    parse: extraFieldNames,
  }),
  variable({ name: 'MAX_BODY_BYTES', ...integer(1_048_576, 1), doc: 'larger request bodies get 413 (Twilio webhooks: 64 KB, fixed)' }),
  variable({
    name: 'AUDIT_RETENTION_DAYS',
    ...integer(365, 1, 36_500),
    doc: 'audit rows older than this are deleted, at start and every 6 hours (1 to 36500)',
  }),
  variable({
    name: 'METRICS_TOKEN',
    ...text(),
    doc: 'when set, `/metrics` needs `Authorization: Bearer <it>`. In production `/metrics` exists only when it is set (404 otherwise)',
    secret: true,
    production: {
      ok: (config) => (config.metricsToken ? 'metrics behind a bearer token' : 'not set: /metrics is off (404)'),
    },
  }),
  variable({
    name: 'ADMIN_EMAIL',
    default: 'unset',
    doc: 'on a database with no users, create a superuser with this address and `ADMIN_PASSWORD` at start',
    parse: (raw) => raw?.toLowerCase(),
  }),
  variable({ name: 'ADMIN_PASSWORD', ...text(), doc: "that first superuser's password", verbatim: true, secret: true }),
  variable({ name: 'LOG_LEVEL', ...logLevel, doc: LOG_LEVELS.map(code).join(', ') }),
] as const

/** Variables earlier versions read: `crm-api check` warns when one is still set. */
export const RETIRED_VARIABLES = [
  { name: 'DEBUG', warns: 'set: it has no effect (it was removed)', message: 'DEBUG is set but has no effect: remove it' },
]
