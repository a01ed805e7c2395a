import pino from 'pino'

export type Logger = pino.Logger

/**
 * JSON lines on stdout, written synchronously: no worker-thread transport, so
 * it works inside the compiled binary and nothing is lost on exit.
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: true })): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Belt and braces: these keys never reach the log even if someone logs them.
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'cookie', '*.cookie', 'body', '*.body', 'secret', '*.secret'],
        censor: '[redacted]',
      },
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
