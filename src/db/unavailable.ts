/** Driver error codes that mean "the database cannot answer right now", not "this request is wrong". */
const CONNECTION_CODES = new Set([
  // postgres.js
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  // Bun's native PostgreSQL client (the per-request session lookup)
  'ERR_POSTGRES_CONNECTION_CLOSED',
  'ERR_POSTGRES_CONNECTION_FAILED',
  'ERR_POSTGRES_CONNECTION_REFUSED',
  'ERR_POSTGRES_CONNECTION_TIMEOUT',
  'ERR_POSTGRES_IDLE_TIMEOUT',
  'ERR_POSTGRES_LIFETIME_TIMEOUT',
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
    const { code, errno } = e as { code?: unknown; errno?: unknown }
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('SQLITE_BUSY') || SQLSTATE.test(code))) return true
    // Bun's client puts the server's SQLSTATE in errno.
    if (code === 'ERR_POSTGRES_SERVER_ERROR' && typeof errno === 'string' && SQLSTATE.test(errno)) return true
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
