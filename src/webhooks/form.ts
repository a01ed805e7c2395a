import { mediaType } from '../http/media-type'

/**
 * Twilio webhook parameters: a name seen once maps to its value, a repeated
 * name to every value in order. That is the shape the `twilio` package's
 * validateRequest signs (it sorts and de-duplicates array values).
 */
export type TwilioParams = Record<string, string | string[]>

export class MalformedForm extends Error {}

/** Twilio sends a few dozen parameters (10 media URLs included); parsing and signing 100k costs real CPU. */
export const MAX_FORM_FIELDS = 200

/** How many `&`-separated parameters a form body has, without splitting it. */
export function formFieldCount(body: string): number {
  if (body === '') return 0
  let fields = 1
  for (let at = body.indexOf('&'); at !== -1; at = body.indexOf('&', at + 1)) fields++
  return fields
}

const FORM_TYPE = 'application/x-www-form-urlencoded'

/** True for `application/x-www-form-urlencoded`, with or without parameters such as a charset. */
export function isFormContentType(contentType: string | null): boolean {
  return mediaType(contentType) === FORM_TYPE
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    // URLSearchParams would keep "%zz" or invalid UTF-8 as-is or as U+FFFD; a
    // body Twilio never sends is refused instead of validated against a guess.
    throw new MalformedForm('malformed percent-encoding')
  }
}

/**
 * Parses a form body strictly. Every parameter is kept, including names the
 * code does not know: Twilio adds parameters without notice and signs them all.
 * The result has no prototype, so names like `__proto__` are plain keys.
 */
export function parseTwilioForm(body: string): TwilioParams {
  const params: TwilioParams = Object.create(null)
  if (body === '') return params
  for (const pair of body.split('&')) {
    if (pair === '') continue
    const separator = pair.indexOf('=')
    const name = decodeComponent(separator === -1 ? pair : pair.slice(0, separator))
    const value = separator === -1 ? '' : decodeComponent(pair.slice(separator + 1))
    const existing = params[name]
    if (existing === undefined) params[name] = value
    else if (Array.isArray(existing)) existing.push(value)
    else params[name] = [existing, value]
  }
  return params
}

/** The value of a parameter Twilio sends once; the first one if it came repeated. */
export function firstParam(params: TwilioParams, name: string): string | undefined {
  const value = params[name]
  return Array.isArray(value) ? value[0] : value
}
