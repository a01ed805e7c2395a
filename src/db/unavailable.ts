/** Driver error codes that mean "the database cannot answer right now", not "this request is wrong". */
const CONNECTION_CODES = new Set([
  // postgres.js
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  // sockets
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
  // SQLite: another process held the write lock past busy_timeout
  'SQLITE_BUSY',
])

/** PostgreSQL SQLSTATEs: connection exceptions, shutdown / starting up, too many connections. */
const SQLSTATE = /^(08...|57P0[1-3]|53300)$/

/**
 * Whether an error (or what it wraps: drizzle puts the driver error in `cause`)
 * says the database is unreachable or busy. Such requests get 503, not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('SQLITE_BUSY') || SQLSTATE.test(code))) return true
  }
  return false
}

/** The driver's code, for the log line (never the message: it may hold SQL). */
export function databaseErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
  }
  return undefined
}
