import type { Config } from '../config'

export interface TwilioMessage {
  sid: string
  /** Twilio's status for the new message, e.g. queued, accepted, sending, sent. */
  status: string
  from: string | null
}

export type TwilioFailureKind = 'api' | 'timeout' | 'unreachable' | 'unavailable'

/** A failed send. `message` is safe to show a client: Twilio's own text, or a fixed sentence. */
export class TwilioSendError extends Error {
  constructor(
    readonly kind: TwilioFailureKind,
    message: string,
    readonly code: number | null = null,
    readonly httpStatus: number | null = null,
  ) {
    super(message)
  }
}

/** Twilio error 21610: the recipient replied STOP. */
export const TWILIO_UNSUBSCRIBED = 21610
/** Twilio error 20429: too many concurrent requests; rejected before any processing, so safe to retry. */
const TWILIO_TOO_MANY_REQUESTS = 20429

/** Twilio's JSON: a message resource, or an error `{code, message, more_info, status}`. */
type TwilioBody = Record<string, unknown>

export interface TwilioClientOptions {
  /** Pauses before each retry of a 20429; their count bounds the retries. */
  retryDelaysMs?: number[]
}

/**
 * The outbound half of Twilio: one form POST to the Messages API. Plain
 * `fetch` rather than the `twilio` package client: each attempt is bounded by
 * AbortSignal.timeout (TWILIO_TIMEOUT_MS), the base URL is ours to choose
 * without patching the client's internals, retries are exactly the ones we
 * decide (only 20429: a timeout or 5xx may already have sent the message, so
 * those are never retried), and nothing heavier than fetch sits on the path.
 */
export class TwilioClient {
  private readonly retryDelaysMs: number[]

  constructor(
    private readonly config: Config['twilio'],
    private readonly publicUrl: string | undefined,
    options: TwilioClientOptions = {},
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? [200, 500]
  }

  /** Credentials and a sender (phone number or messaging service) are all present. */
  get configured(): boolean {
    return Boolean(this.config.accountSid && this.config.authToken && (this.config.phoneNumber || this.config.messagingServiceSid))
  }

  /** The number the message goes out from, when known before sending. */
  get sender(): string | null {
    return this.config.phoneNumber ?? null
  }

  async sendMessage(input: { to: string; body: string }): Promise<TwilioMessage> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(input)
      } catch (error) {
        const retriable = error instanceof TwilioSendError && error.code === TWILIO_TOO_MANY_REQUESTS
        const delay = this.retryDelaysMs[attempt]
        if (!retriable || delay === undefined) throw error
        await Bun.sleep(delay)
      }
    }
  }

  private async attempt(input: { to: string; body: string }): Promise<TwilioMessage> {
    // Called only when `configured`: the empty defaults never go out.
    const { accountSid = '', authToken, phoneNumber = '', messagingServiceSid, apiBaseUrl, timeoutMs } = this.config
    const form = new URLSearchParams({ To: input.to, Body: input.body })
    // A messaging service picks its own sender from its pool; otherwise our number.
    if (messagingServiceSid) form.set('MessagingServiceSid', messagingServiceSid)
    else form.set('From', phoneNumber)
    if (this.publicUrl) form.set('StatusCallback', `${this.publicUrl}/webhooks/twilio/status`)

    let response: Response
    let text: string
    try {
      response = await fetch(`${apiBaseUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      })
      text = await response.text()
    } catch (error) {
      const name = (error as Error)?.name
      if (name === 'TimeoutError' || name === 'AbortError') throw new TwilioSendError('timeout', 'Twilio did not respond in time')
      throw new TwilioSendError('unreachable', 'Twilio could not be reached')
    }

    const parsed = parseJson(text)
    if (response.status >= 500)
      throw new TwilioSendError(
        'unavailable',
        `Twilio is unavailable (HTTP ${response.status})`,
        numberOrNull(parsed?.code),
        response.status,
      )
    if (!response.ok) {
      const message =
        typeof parsed?.message === 'string' && parsed.message.trim()
          ? parsed.message.trim().slice(0, 500)
          : `Twilio rejected the request (HTTP ${response.status})`
      throw new TwilioSendError('api', message, numberOrNull(parsed?.code), response.status)
    }
    if (typeof parsed?.sid !== 'string' || parsed.sid === '')
      throw new TwilioSendError('unavailable', 'Twilio sent an unreadable answer', null, response.status)
    return {
      sid: parsed.sid,
      status: typeof parsed.status === 'string' && parsed.status ? parsed.status.toLowerCase() : 'queued',
      from: typeof parsed.from === 'string' && parsed.from ? parsed.from : null,
    }
  }
}

function parseJson(text: string): TwilioBody | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' ? (value as TwilioBody) : undefined
  } catch {
    return undefined
  }
}

function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  return null
}
