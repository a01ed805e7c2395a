import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { HttpError } from './errors'
import { mediaType } from './media-type'

/** No body this API accepts nests deeper than a few levels; 32 leaves room for any client. */
export const MAX_JSON_DEPTH = 32

const MALFORMED_BODY = 'Malformed request body'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d

/**
 * True when the JSON text opens more than `max` arrays or objects at once.
 * One pass over the characters, brackets inside strings ignored; the text need
 * not be valid JSON (JSON.parse judges that afterwards).
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) inString = true
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--
  }
  return false
}

function isJson(contentType: string | null): boolean {
  return mediaType(contentType) === 'application/json'
}

/**
 * The app's own JSON parser: refuses (400) bodies nested deeper than
 * MAX_JSON_DEPTH before JSON.parse and schema validation see them. Elysia's
 * validation of a 20,000-deep array takes seconds of blocked event loop, and
 * deep enough input overflows the stack (a 500). Webhooks read their raw body
 * themselves (the signature covers it).
 */
export function jsonBody(ctx: AppContext) {
  // Not an async function: a request that is not JSON (a webhook, a bodiless call) passes without a promise to wait on.
  return new Elysia({ name: 'json-body', seed: ctx.id }).onParse({ as: 'global' }, (context) => {
    const { request, path } = context
    if (request.body === null || path.startsWith('/webhooks/') || !isJson(request.headers.get('content-type'))) return
    return request.text().then((text) => {
      if (text.trim() === '') {
        // Empty: handed back unread, so Elysia decides as before (an error unless the body is optional).
        context.request = new Request(request.url, { method: request.method, headers: request.headers, body: text })
        return undefined
      }
      if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw new HttpError(400, MALFORMED_BODY)
      return JSON.parse(text) as unknown
    })
  })
}
