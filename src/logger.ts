import pino from 'pino'

export type Logger = pino.Logger

/**
 * JSON lines on stdout, written synchronously: no worker-thread transport, so
 * it works inside the compiled binary and nothing is lost on exit. No `redact`
 * option: it re-parsed its paths on every line (a fifth of a request's CPU);
 * secrets are kept out by what is logged, and tests/ops/log-hygiene proves it.
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: true })): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  )
}

/** Phone numbers appear in logs as their last four digits only. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return ''
  const digits = phone.replace(/\D/g, '')
  return `***${digits.slice(-4)}`
}
