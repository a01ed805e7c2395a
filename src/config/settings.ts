export type DatabaseTarget = { kind: 'sqlite'; path: string; synchronous?: 'normal' | 'full' } | { kind: 'postgres'; url: string }

/** The settings the rest of the server reads, built by loadConfig from the variables in variables.ts. */
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
  /** Production start-up logs these (docs/operations.md's start-up warnings). */
  warnings: string[]
}
