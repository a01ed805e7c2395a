import type { Transporter } from 'nodemailer'

export type EmailFailureKind = 'refused' | 'unreachable' | 'timeout' | 'auth' | 'tls'

/** A failed send; `message` is the reason a client may see (no host names, no stack). */
export class EmailSendError extends Error {
  constructor(
    readonly kind: EmailFailureKind,
    message: string,
    readonly responseCode: number | null = null,
  ) {
    super(message)
  }
}

export interface EmailSenderOptions {
  /** Bound on connecting, the greeting, each socket read, and the whole send. */
  timeoutMs?: number
}

/** Nodemailer's error fields we read (it attaches them to plain Error objects). */
interface SmtpErrorFields {
  code?: string
  responseCode?: number
  response?: string
}

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** Outbound e-mail over SMTP_URL, from EMAIL_FROM. One transport per app; a connection per message. */
export class EmailSender {
  private transporter: Transporter | undefined
  private readonly timeoutMs: number

  constructor(
    private readonly smtpUrl: string | undefined,
    private readonly from: string | undefined,
    options: EmailSenderOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000
  }

  get configured(): boolean {
    return Boolean(this.smtpUrl && this.from)
  }

  get sender(): string | null {
    return this.from ?? null
  }

  /** nodemailer is loaded on the first send: most offices never configure SMTP, and it costs memory at start. */
  private async transport(): Promise<Transporter> {
    if (this.transporter) return this.transporter
    // Sending is only offered when `configured`.
    const url = this.smtpUrl ?? ''
    const { default: nodemailer } = await import('nodemailer')
    this.transporter ??= nodemailer.createTransport({
      url,
      // A relay on this machine often offers STARTTLS with a self-signed
      // certificate; the traffic never leaves the host, so accept it there.
      // Any other host's certificate is verified.
      tls: { rejectUnauthorized: !isLoopbackUrl(url) },
      connectionTimeout: this.timeoutMs,
      greetingTimeout: this.timeoutMs,
      socketTimeout: this.timeoutMs,
      // Message bodies never appear in logs.
      logger: false,
      debug: false,
    })
    return this.transporter
  }

  async send(input: { to: string; subject: string; text: string }): Promise<{ messageId: string }> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EmailSendError('timeout', 'the mail server did not respond in time')), this.timeoutMs + 500)
    })
    try {
      const info = await Promise.race([
        this.transport().then((transport) =>
          transport.sendMail({
            from: this.from,
            to: input.to,
            subject: input.subject,
            text: input.text,
            // Plain text only: no file or URL attachments can be pulled in.
            disableFileAccess: true,
            disableUrlAccess: true,
          }),
        ),
        deadline,
      ])
      return { messageId: String(info.messageId ?? '') }
    } catch (error) {
      throw error instanceof EmailSendError ? error : describe(error)
    } finally {
      clearTimeout(timer)
    }
  }

  close(): void {
    this.transporter?.close()
    this.transporter = undefined
  }
}

function describe(error: unknown): EmailSendError {
  const fields = (error ?? {}) as SmtpErrorFields
  if (fields.code === 'ETIMEDOUT') return new EmailSendError('timeout', 'the mail server did not respond in time')
  if (fields.code === 'ETLS' || /certificate|self[- ]signed/i.test((error as Error)?.message ?? '')) {
    return new EmailSendError('tls', "the mail server's TLS certificate could not be verified")
  }
  if (fields.code === 'EAUTH') return new EmailSendError('auth', 'authentication with the mail server failed', fields.responseCode ?? null)
  if (typeof fields.responseCode === 'number' && fields.responseCode >= 400) {
    // The server's own refusal text, e.g. "550 5.1.1 Mailbox unavailable", on one line.
    const text = (fields.response ?? `${fields.responseCode}`)
      .replace(/[\r\n]+/g, ' ')
      .trim()
      .slice(0, 300)
    return new EmailSendError('refused', `the mail server refused the message (${text})`, fields.responseCode)
  }
  return new EmailSendError('unreachable', 'the mail server could not be reached')
}
