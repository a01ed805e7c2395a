/**
 * A local SMTP server (the `smtp-server` package) that records what it
 * receives and can refuse recipients or whole messages, plus a "silent"
 * server that accepts connections and never greets (for timeouts).
 */
import { createServer, type Server, type Socket } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail {
  from: string | undefined
  to: string[]
  raw: string
}

export interface FakeSmtp {
  url: string
  port: number
  messages: ReceivedMail[]
  /** Refuse RCPT TO with this reply code and text until cleared (null). */
  rejectRecipients(reply: { code: number; message: string } | null): void
  /** Refuse the message data with this reply until cleared (null). */
  rejectData(reply: { code: number; message: string } | null): void
  close(): Promise<void>
}

function smtpError(reply: { code: number; message: string }): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code })
}

/** `starttls: true` offers STARTTLS with smtp-server's built-in self-signed certificate, like many office relays. */
export async function startFakeSmtp(options: { username?: string; password?: string; starttls?: boolean } = {}): Promise<FakeSmtp> {
  const messages: ReceivedMail[] = []
  let rcptReply: { code: number; message: string } | null = null
  let dataReply: { code: number; message: string } | null = null
  const server = new SMTPServer({
    // Plain SMTP on localhost: no STARTTLS to negotiate, AUTH allowed without TLS.
    disabledCommands: [...(options.starttls ? [] : ['STARTTLS']), ...(options.username ? [] : ['AUTH'])],
    authOptional: !options.username,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.username && auth.password === options.password) return callback(null, { user: auth.username })
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
    },
    onRcptTo(_address, _session, callback) {
      if (rcptReply) return callback(smtpError(rcptReply))
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        if (dataReply) return callback(smtpError(dataReply))
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.server.address() as { port: number }).port
  const credentials = options.username ? `${encodeURIComponent(options.username)}:${encodeURIComponent(options.password ?? '')}@` : ''
  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    messages,
    rejectRecipients(reply) {
      rcptReply = reply
    },
    rejectData(reply) {
      dataReply = reply
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** Accepts TCP connections and says nothing: an SMTP client must time out. */
export async function startSilentSmtp(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as { port: number }).port
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A port with nothing listening: connecting is refused at once. */
export async function closedSmtpUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `smtp://127.0.0.1:${port}`
}
