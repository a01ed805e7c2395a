import { timingSafeEqual } from 'node:crypto'
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring'
import type { TwilioParams } from './form'
import { Recent } from '../recent'

/**
 * Twilio's request signature, the scheme of the `twilio` package's
 * validateRequest (tests/webhooks/twilio-signature.test.ts holds the two equal
 * on Twilio's published vectors and on generated ones): base64 HMAC over the
 * URL followed by every parameter name and value in name order, a repeated
 * name once per distinct value in value order. The URL is tried as received
 * without and with its default port, then as `new URL()` normalises it (with
 * and without the port, each also with the query re-encoded the way Node's
 * legacy `querystring` does). The parameters are concatenated once for all of
 * these, and a URL the list holds twice is signed once.
 */

/** Header Twilio adds to webhooks signed with a SharedKey: `key=<id>,algorithm=<name>`. */
export const SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings'
export const HMAC_SHA1 = 'HMAC_SHA1'
export const HMAC_SHA256 = 'HMAC_SHA256'

/** The algorithm named by the settings header; none named (or no header) is the Auth Token's HMAC_SHA1. */
export function signatureAlgorithm(settings: string | null): string {
  if (!settings) return HMAC_SHA1
  for (const part of settings.split(',')) {
    const separator = part.indexOf('=')
    if (separator === -1 || part.slice(0, separator).trim() !== 'algorithm') continue
    const algorithm = part.slice(separator + 1).trim()
    if (algorithm) return algorithm
  }
  return HMAC_SHA1
}

/** The parameters as Twilio concatenates them after the URL. */
function signedParams(params: TwilioParams): string {
  let text = ''
  for (const name of Object.keys(params).sort()) {
    const value = params[name] as string | string[]
    if (typeof value === 'string') text += name + value
    else for (const each of [...new Set(value)].sort()) text += name + each
  }
  return text
}

interface UrlParts {
  /** `scheme://` and any `user@`, then the host without its port. */
  head: string
  port: string
  /** Everything after the authority: path, query, fragment. */
  rest: string
  https: boolean
}

/** Splits without normalising, so path and query keep the characters Twilio signed; undefined without `scheme://`. */
function urlParts(url: string): UrlParts | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url)
  if (!match) return undefined
  const scheme = match[1] as string
  const authority = match[2] as string
  const hostStart = authority.lastIndexOf('@') + 1
  // In an IPv6 literal the colons before the closing bracket are not the port's.
  const portStart = authority.indexOf(':', Math.max(hostStart, authority.lastIndexOf(']') + 1))
  const hostEnd = portStart === -1 ? authority.length : portStart
  return {
    head: scheme + authority.slice(0, hostEnd),
    port: authority.slice(hostEnd),
    rest: url.slice(match[0].length),
    https: scheme.toLowerCase() === 'https://',
  }
}

function withoutPort(url: string): string {
  const parts = urlParts(url)
  return parts ? parts.head + parts.rest : url
}

function withDefaultPort(url: string): string {
  const parts = urlParts(url)
  if (!parts || parts.port) return url
  return parts.head + (parts.https ? ':443' : ':80') + parts.rest
}

function withLegacyQuery(url: string): string {
  const start = url.indexOf('?')
  if (start === -1 || start === url.length - 1) return url
  return `${url.slice(0, start)}?${stringifyQuery(parseQuery(url.slice(start + 1)))}`
}

/** The URL forms to try, each once: as received (without and with the default port), then as `new URL()` normalises it. */
interface SignedUrlForms {
  received: readonly string[]
  /** Undefined when `new URL()` refuses the URL. */
  normalised: readonly string[] | undefined
}

function urlForms(url: string): SignedUrlForms {
  const received = [...new Set([withoutPort(url), withDefaultPort(url)])]
  let normalised: string[] | undefined
  try {
    const parsed = new URL(url).toString()
    const bare = withoutPort(parsed)
    const ported = withDefaultPort(parsed)
    normalised = [...new Set([bare, ported, withLegacyQuery(bare), withLegacyQuery(ported)])].filter((form) => !received.includes(form))
  } catch {
    normalised = undefined
  }
  return { received, normalised }
}

/**
 * The forms of recently signed URLs: nearly every webhook comes for one or two of
 * them, and a flood of forged ones would otherwise re-derive all six per request.
 * Bounded in count and URL length, as the URL is partly the client's.
 */
const recentForms = new Recent<string, SignedUrlForms>(64)
const RECENT_FORM_MAX_LENGTH = 512

function formsOf(url: string): SignedUrlForms {
  let forms = recentForms.get(url)
  if (forms === undefined) {
    forms = urlForms(url)
    if (url.length <= RECENT_FORM_MAX_LENGTH) recentForms.set(url, forms)
  }
  return forms
}

/**
 * True when `signature` is Twilio's signature of this request. `algorithm` must
 * be HMAC_SHA1 or HMAC_SHA256 (the caller refuses others). Throws when neither
 * form of the URL as received matches and `new URL()` cannot parse it.
 */
export function validTwilioSignature(authToken: string, signature: string, url: string, params: TwilioParams, algorithm: string): boolean {
  const hash = algorithm === HMAC_SHA256 ? 'sha256' : 'sha1'
  const presented = Buffer.from(signature)
  const tail = signedParams(params)
  const matches = (candidate: string) => {
    // The base64 text, compared as bytes in constant time (its length is fixed by the algorithm, not secret).
    const text = Buffer.from(new Bun.CryptoHasher(hash, authToken).update(candidate + tail).digest('base64'))
    return text.length === presented.length && timingSafeEqual(text, presented)
  }
  const { received, normalised } = formsOf(url)
  if (received.some(matches)) return true
  if (normalised === undefined) throw new TypeError('URL cannot be parsed')
  return normalised.some(matches)
}
