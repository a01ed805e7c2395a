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

export interface RequestLine {
  requestId: string | undefined
  method: string
  route: string
  status: number
  ms: number
  userId: number | undefined
}

/**
 * The one line every request writes, in exactly the shape pino gives any other
 * line (level label, ISO time, fields, msg), built as one string and handed to
 * the logger's destination: pino's generic path (level formatter object, key
 * walk, per-value serialisation) cost about as much as the rest of a /health
 * answer. Only values we produced go in: the request id is a UUID or a checked
 * token, the route our own pattern, the method one Bun accepted; JSON.stringify
 * still quotes them.
 */
export function writeRequestLine(logger: Logger, line: RequestLine): void {
  if (logger.levelVal > 30) return
  let text = `{"level":"info","time":"${new Date().toISOString()}"`
  if (line.requestId !== undefined) text += `,"requestId":${JSON.stringify(line.requestId)}`
  text += `,"method":${JSON.stringify(line.method)},"route":${JSON.stringify(line.route)},"status":${line.status},"ms":${line.ms}`
  if (line.userId !== undefined) text += `,"userId":${line.userId}`
  ;(logger as unknown as Record<symbol, pino.DestinationStream | undefined>)[pino.symbols.streamSym]?.write(`${text},"msg":"request"}\n`)
}
