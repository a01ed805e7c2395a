import { Elysia, type DocumentDecoration } from 'elysia'
import type { AppContext } from '../context'
import { HttpError } from '../http/errors'
import { TOO_LARGE, WEBHOOK_MAX_BODY_BYTES } from '../http/body-limit'
import { MAX_FORM_FIELDS, MalformedForm, formFieldCount, isFormContentType, parseTwilioForm, type TwilioParams } from './form'
import { identifierProblem } from './identifiers'
import { rejectedResponseDoc } from './model'
import { HMAC_SHA1, HMAC_SHA256, SIGNATURE_SETTINGS_HEADER, signatureAlgorithm, validTwilioSignature } from './twilio-signature'

const MISSING_SIGNATURE = 'Missing Twilio signature'
const INVALID_SIGNATURE = 'Invalid Twilio signature'
const SIGNATURE_ERROR = 'Signature validation error'

type SignatureFailureReason = 'missing' | 'invalid' | 'no_token' | 'malformed_body' | 'unsupported_algorithm' | 'error'

export type SignatureCheck = { ok: true; params: TwilioParams; url: string } | { ok: false; reason: SignatureFailureReason; detail: string }

/** First value of a comma-separated forwarding header (proxies append, the client-facing one comes first). */
function firstForwarded(value: string | null): string | undefined {
  const first = value?.split(',')[0]?.trim()
  return first ? first : undefined
}

/** Path and query exactly as the request line carried them (no re-encoding), without any fragment. */
function pathAndQuery(requestUrl: string): { origin: { scheme: string; host: string }; rest: string } {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/i.exec(requestUrl)
  const [, scheme, host = '', rest = ''] = match ?? []
  if (!scheme) throw new Error('request URL without scheme')
  return { origin: { scheme: scheme.toLowerCase(), host }, rest: rest.startsWith('/') ? rest : `/${rest}` }
}

/**
 * The URL Twilio requested, as Twilio saw it: PUBLIC_URL when the operator
 * set it; otherwise what the tunnel or proxy says the client asked for
 * (X-Forwarded-Proto / X-Forwarded-Host), else this request's scheme and Host.
 */
export function signedUrl(request: Request, publicUrl: string | undefined): string {
  const { origin, rest } = pathAndQuery(request.url)
  if (publicUrl !== undefined) return publicUrl + rest
  const forwardedProto = firstForwarded(request.headers.get('x-forwarded-proto'))?.toLowerCase()
  const scheme = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : origin.scheme
  const host = firstForwarded(request.headers.get('x-forwarded-host')) ?? request.headers.get('host')?.trim() ?? origin.host
  return `${scheme}://${host}${rest}`
}

/**
 * Checks X-Twilio-Signature over the signed URL and every form parameter
 * (with and without the default port, as the `twilio` package does), in constant time.
 */
function checkTwilioSignature(input: {
  request: Request
  rawBody: string
  authToken: string | undefined
  publicUrl: string | undefined
}): SignatureCheck {
  const { request, rawBody, authToken, publicUrl } = input
  const signature = request.headers.get('x-twilio-signature')?.trim()
  if (!signature) return { ok: false, reason: 'missing', detail: MISSING_SIGNATURE }
  if (!authToken) return { ok: false, reason: 'no_token', detail: SIGNATURE_ERROR }
  try {
    // Only form bodies carry signed parameters; an empty body is an empty form.
    if (rawBody !== '' && !isFormContentType(request.headers.get('content-type'))) {
      return { ok: false, reason: 'malformed_body', detail: SIGNATURE_ERROR }
    }
    const params = parseTwilioForm(rawBody)
    // Webhooks signed with a SharedKey name their algorithm; the default is the Auth Token's HMAC-SHA1.
    const algorithm = signatureAlgorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    if (algorithm !== HMAC_SHA1 && algorithm !== HMAC_SHA256) {
      return { ok: false, reason: 'unsupported_algorithm', detail: SIGNATURE_ERROR }
    }
    const url = signedUrl(request, publicUrl)
    if (!validTwilioSignature(authToken, signature, url, params, algorithm)) {
      return { ok: false, reason: 'invalid', detail: INVALID_SIGNATURE }
    }
    return { ok: true, params, url }
  } catch (error) {
    return { ok: false, reason: error instanceof MalformedForm ? 'malformed_body' : 'error', detail: SIGNATURE_ERROR }
  }
}

const verified = new WeakMap<Request, TwilioParams>()

/** What the parse step hands on for a body it refused to read (a declared length over the webhook limit). */
const OVERSIZED = Object.freeze({ oversized: true })

type Refusal = 'body_too_large' | 'too_many_fields' | 'malformed_ids'

/** What `{ twilioSignature: true }` tells the OpenAPI document: Twilio's signature instead of a user token, and its 403. */
const SIGNED_BY_TWILIO_DETAIL: DocumentDecoration = {
  security: [{ twilioSignature: [] }],
  responses: { 403: rejectedResponseDoc },
}

/**
 * Route option `{ twilioSignature: true }`: the body is read as raw text (so
 * validation sees exactly what was sent) and the signature is checked in
 * `transform`, before any schema validation or handler touches the body.
 * Before the signature is computed, bodies over 64 KB (413) and forms with
 * more than 200 parameters (400) are refused; after it, a signed request whose
 * message or account ids are not well-formed Twilio ids (400).
 * `resolve` hands the handler the verified parameters as `twilio`.
 */
export function twilioSignature(ctx: AppContext) {
  // Anyone can send these, as fast as they like: each is counted (metric, audit row count), but only the
  // first of its IP, path and reason in a minute writes a log line (the audit row holds how many followed).
  const reject = async (check: Extract<SignatureCheck, { ok: false }>, path: string, clientIp: string, requestId: string | undefined) => {
    ctx.metrics.signatureFailures.inc({ reason: check.reason })
    const first = await ctx.audit.recordRepeated(
      { action: 'webhook.signature_failed', target: path, ip: clientIp, details: { reason: check.reason } },
      check.reason,
    )
    // Never the token, the signature value or the body.
    if (first) {
      ctx.logger.warn(
        { ip: clientIp, path, reason: check.reason, requestId },
        `Twilio webhook signature rejected (${check.reason}) from ${clientIp} on ${path}`,
      )
    }
    return new HttpError(403, check.detail)
  }

  const refuse = async (reason: Refusal, error: HttpError, path: string, clientIp: string, requestId: string | undefined) => {
    const first = await ctx.audit.recordRepeated({ action: 'webhook.rejected', target: path, ip: clientIp, details: { reason } }, reason)
    if (first) {
      ctx.logger.warn(
        { ip: clientIp, path, reason, detail: error.detail, requestId },
        `Twilio webhook refused (${reason}) from ${clientIp} on ${path}`,
      )
    }
    return error
  }

  return new Elysia({ name: 'twilio-signature', seed: ctx.id }).macro({
    twilioSignature: {
      // Raw text whatever the Content-Type: the signature is checked over exactly what was sent.
      parse: ({ request }) => {
        // The global body limit has already checked that Content-Length is a number.
        if (Number(request.headers.get('content-length') ?? 0) > WEBHOOK_MAX_BODY_BYTES) return OVERSIZED
        return request.text()
      },
      async transform(input) {
        // requestContext derives these for every request; its types do not reach a macro's transform.
        const context = input as typeof input & { clientIp?: string; requestId?: string }
        const { request, body, path, requestId } = context
        // Read only for a refusal: the client IP is looked up on first read (http/request-context.ts).
        const from = () => context.clientIp ?? 'unknown'
        const rawBody = typeof body === 'string' ? body : ''
        // A chunked body has no Content-Length to refuse it by before it is read.
        if (body === OVERSIZED || Buffer.byteLength(rawBody) > WEBHOOK_MAX_BODY_BYTES) {
          throw await refuse('body_too_large', new HttpError(413, TOO_LARGE), path, from(), requestId)
        }
        if (formFieldCount(rawBody) > MAX_FORM_FIELDS) {
          throw await refuse('too_many_fields', new HttpError(400, 'Too many form fields'), path, from(), requestId)
        }
        const check = checkTwilioSignature({ request, rawBody, authToken: ctx.config.twilio.authToken, publicUrl: ctx.config.publicUrl })
        if (!check.ok) throw await reject(check, path, from(), requestId)
        // Signed, but only well-formed ids make it Twilio's own cut of the parameters.
        const problem = identifierProblem(check.params, ctx.config.twilio.accountSid)
        if (problem) throw await refuse('malformed_ids', new HttpError(400, problem), path, from(), requestId)
        verified.set(request, check.params)
      },
      resolve: ({ request }) => {
        const params = verified.get(request)
        // Unreachable: transform either verified this request or threw.
        if (!params) throw new HttpError(403, SIGNATURE_ERROR)
        return { twilio: params }
      },
      detail: SIGNED_BY_TWILIO_DETAIL,
    },
  })
}
