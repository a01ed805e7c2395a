import type { Config } from './settings'
import { type Env, rawValue } from './variable'
import { VARIABLES } from './variables'

export type { Config, DatabaseTarget } from './settings'
export { ConfigError } from './variable'
export { ensureDataDir } from './data-dir'
export { WEAK_SECRET_KEYS } from './secret-key'

type Entry = (typeof VARIABLES)[number]
type Values = { [E in Entry as E['name']]: ReturnType<E['parse']> }

/** Reads every variable in the table's order; the first malformed one throws. */
function readVariables(env: Env, ensureSecret: boolean): Values {
  const values: Record<string, unknown> = {}
  for (const entry of VARIABLES) values[entry.name] = entry.parse(rawValue(entry, env), { name: entry.name, env, ensureSecret })
  // Filled name by name from the same table the type is derived from.
  return values as Values
}

/**
 * Reads every variable once (variables.ts says how). Throws ConfigError with a line naming the variable.
 * `ensureSecret: false` skips writing a development key (for read-only commands).
 */
export function loadConfig(env: Env = process.env, options: { ensureSecret?: boolean } = {}): Config {
  const v = readVariables(env, options.ensureSecret !== false)
  const database = v.DATABASE_URL
  if (database.kind === 'sqlite') database.synchronous = v.SQLITE_SYNCHRONOUS
  const config: Config = {
    port: v.PORT,
    host: v.HOST,
    dataDir: v.DATA_DIR,
    database,
    environment: v.ENVIRONMENT.name,
    isProduction: v.ENVIRONMENT.isProduction,
    secretKey: v.SECRET_KEY.key,
    secretKeySource: v.SECRET_KEY.source,
    docsEnabled: v.DOCS_ENABLED,
    frontendOrigins: v.FRONTEND_URL,
    publicUrl: v.PUBLIC_URL,
    accessTokenMinutes: v.ACCESS_TOKEN_EXPIRE_MINUTES,
    refreshTokenDays: v.REFRESH_TOKEN_EXPIRE_DAYS,
    smsPerMinute: v.RATE_LIMIT_SMS_PER_MINUTE,
    smsPerHour: v.RATE_LIMIT_SMS_PER_HOUR,
    smsPerDestinationHour: v.RATE_LIMIT_SMS_PER_DESTINATION_HOUR,
    loginMaxFailures: v.LOGIN_MAX_FAILURES,
    loginMaxFailuresPerIp: v.LOGIN_MAX_FAILURES_PER_IP,
    trustProxy: v.TRUST_PROXY,
    cookieSameSite: v.COOKIE_SAMESITE,
    corsAllowHeaders: v.CORS_ALLOW_HEADERS,
    refreshReuseGraceSeconds: v.REFRESH_REUSE_GRACE_SECONDS,
    twilio: {
      accountSid: v.TWILIO_ACCOUNT_SID,
      authToken: v.TWILIO_AUTH_TOKEN,
      phoneNumber: v.TWILIO_PHONE_NUMBER,
      messagingServiceSid: v.TWILIO_MESSAGING_SERVICE_SID,
      apiBaseUrl: v.TWILIO_API_BASE_URL,
      timeoutMs: v.TWILIO_TIMEOUT_MS,
    },
    smtpUrl: v.SMTP_URL,
    emailFrom: v.EMAIL_FROM,
    requireTwoFactorFor: v.REQUIRE_2FA_FOR,
    passwordResetPath: v.PASSWORD_RESET_PATH,
    defaultCountry: v.DEFAULT_COUNTRY,
    customerExtraFields: v.CUSTOMER_EXTRA_FIELDS,
    maxBodyBytes: v.MAX_BODY_BYTES,
    auditRetentionDays: v.AUDIT_RETENTION_DAYS,
    metricsToken: v.METRICS_TOKEN,
    adminEmail: v.ADMIN_EMAIL,
    adminPassword: v.ADMIN_PASSWORD,
    logLevel: v.LOG_LEVEL,
    warnings: [],
  }
  if (config.isProduction) {
    for (const { production } of VARIABLES) {
      const warning = production && 'startupWarning' in production ? production.startupWarning?.(config) : undefined
      if (warning) config.warnings.push(warning)
    }
  }
  return config
}
