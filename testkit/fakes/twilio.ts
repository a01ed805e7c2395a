/**
 * A local stand-in for Twilio's Messages API, speaking its wire protocol:
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth
 * (AccountSid:AuthToken), form-encoded fields, Twilio-shaped JSON answers.
 *
 *   const twilio = startFakeTwilio({ accountSid: 'AC...', authToken: '...' })
 *   env TWILIO_API_BASE_URL = twilio.url
 *   twilio.respondWith({ kind: 'error', httpStatus: 400, code: 21211, message: 'Invalid To' })
 *   twilio.requests  // every request, accepted or not
 */
import { randomBytes } from 'node:crypto'

type FakeTwilioReply =
  /** 201 with a message resource (status defaults to "queued"). */
  | { kind: 'ok'; status?: string }
  /** A Twilio error body `{code, message, more_info, status}`. */
  | { kind: 'error'; httpStatus: number; code: number; message: string }
  /** A server failure with a non-Twilio body. */
  | { kind: 'server-error'; httpStatus?: number }
  /** Never answers (until the fake closes). */
  | { kind: 'hang' }

interface FakeTwilioRequest {
  method: string
  path: string
  /** Whether Basic auth matched the configured credentials. */
  authorized: boolean
  form: Record<string, string>
  to: string | undefined
  from: string | undefined
  messagingServiceSid: string | undefined
  body: string | undefined
  statusCallback: string | undefined
  /** The sid answered, when the request was accepted. */
  sid?: string
  at: number
}

export interface FakeTwilio {
  url: string
  requests: FakeTwilioRequest[]
  /** Accepted messages only (201 answers). */
  accepted(): FakeTwilioRequest[]
  /** Replies for the next requests, in order (`times` each, default 1); afterwards success again. */
  respondWith(reply: FakeTwilioReply, times?: number): void
  /** Every following request gets this reply until reset(). */
  respondAlways(reply: FakeTwilioReply): void
  reset(): void
  close(): Promise<void>
}

function twilioError(httpStatus: number, code: number, message: string): Response {
  return Response.json(
    { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: httpStatus },
    { status: httpStatus },
  )
}

export function startFakeTwilio(options: { accountSid: string; authToken: string; delayMs?: number }): FakeTwilio {
  const requests: FakeTwilioRequest[] = []
  let queue: FakeTwilioReply[] = []
  let always: FakeTwilioReply | undefined
  const hanging = new Set<() => void>()
  const expectedAuth = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`
  const messagesPath = `/2010-04-01/Accounts/${options.accountSid}/Messages.json`

  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const authorized = request.headers.get('authorization') === expectedAuth
      const text = request.method === 'POST' ? await request.text() : ''
      const form = Object.fromEntries(new URLSearchParams(text))
      const record: FakeTwilioRequest = {
        method: request.method,
        path: url.pathname,
        authorized,
        form,
        to: form.To,
        from: form.From,
        messagingServiceSid: form.MessagingServiceSid,
        body: form.Body,
        statusCallback: form.StatusCallback,
        at: Date.now(),
      }
      requests.push(record)
      if (options.delayMs) await Bun.sleep(options.delayMs)

      if (!authorized) return twilioError(401, 20003, 'Authenticate')
      if (request.method !== 'POST' || url.pathname !== messagesPath) return twilioError(404, 20404, 'The requested resource was not found')
      if (!form.To) return twilioError(400, 21604, "A 'To' phone number is required.")
      if (!form.From && !form.MessagingServiceSid) return twilioError(400, 21603, "A 'From' phone number is required.")
      if (!form.Body) return twilioError(400, 21602, 'Message body is required.')

      const reply = queue.shift() ?? always ?? { kind: 'ok' }
      switch (reply.kind) {
        case 'error':
          return twilioError(reply.httpStatus, reply.code, reply.message)
        case 'server-error':
          return new Response('<html>upstream failure</html>', {
            status: reply.httpStatus ?? 503,
            headers: { 'content-type': 'text/html' },
          })
        case 'hang':
          // Held open until close(): the client must give up on its own.
          return new Promise<Response>((resolve) => hanging.add(() => resolve(new Response('', { status: 599 }))))
        case 'ok': {
          const sid = `SM${randomBytes(16).toString('hex')}`
          record.sid = sid
          const now = new Date().toUTCString()
          return Response.json(
            {
              sid,
              account_sid: options.accountSid,
              messaging_service_sid: form.MessagingServiceSid ?? null,
              to: form.To,
              from: form.From ?? null,
              body: form.Body,
              status: reply.status ?? 'queued',
              num_segments: '1',
              direction: 'outbound-api',
              api_version: '2010-04-01',
              price: null,
              price_unit: 'USD',
              error_code: null,
              error_message: null,
              date_created: now,
              date_updated: now,
              date_sent: null,
              uri: `/2010-04-01/Accounts/${options.accountSid}/Messages/${sid}.json`,
            },
            { status: 201 },
          )
        }
      }
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    accepted: () => requests.filter((r) => r.sid !== undefined),
    respondWith(reply, times = 1) {
      for (let i = 0; i < times; i++) queue.push(reply)
    },
    respondAlways(reply) {
      always = reply
    },
    reset() {
      queue = []
      always = undefined
      requests.length = 0
    },
    async close() {
      for (const release of hanging) release()
      hanging.clear()
      await server.stop(true)
    },
  }
}
