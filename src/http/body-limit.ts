import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { HttpError } from './errors'

export const TOO_LARGE = 'Request body too large'

/** Twilio's callbacks are a few KB; anything far larger is not Twilio's and is refused (64 KB is generous). */
export const WEBHOOK_MAX_BODY_BYTES = 64 * 1024

/** Reads a body without a Content-Length, giving up (413) past `max` bytes. */
async function readBounded(body: ReadableStream<Uint8Array>, max: number): Promise<ArrayBuffer> {
  const reader = body.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      void reader.cancel().catch(() => {})
      throw new HttpError(413, TOO_LARGE)
    }
    parts.push(value)
  }
  return Bun.concatArrayBuffers(parts)
}

/**
 * MAX_BODY_BYTES, answered as JSON 413:
 * - a declared Content-Length over the limit is refused before anything is read;
 * - a chunked body (no Content-Length) is read with a running count before the
 *   normal parser sees it, then handed on as an ordinary request; for
 *   /webhooks/ the count stops at the webhook limit (the webhook module
 *   refuses declared lengths over it itself, and audits them).
 * Bun.serve's maxRequestBodySize (serve.ts) is a looser backstop whose own 413
 * has no body, so it is set above this limit.
 */
export function bodyLimit(ctx: AppContext) {
  const max = ctx.config.maxBodyBytes
  return (
    new Elysia({ name: 'body-limit', seed: ctx.id })
      .onRequest(({ request }) => {
        const length = request.headers.get('content-length')
        if (length === null) return
        if (!/^\d+$/.test(length)) throw new HttpError(400, 'Invalid Content-Length')
        if (Number(length) > max) throw new HttpError(413, TOO_LARGE)
      })
      // Not an async function: a body with a Content-Length (nearly all) passes without a promise to wait on.
      .onParse({ as: 'global' }, (context) => {
        const { request, path } = context
        if (request.body === null || request.headers.has('content-length')) return
        return readBounded(request.body, path.startsWith('/webhooks/') ? Math.min(max, WEBHOOK_MAX_BODY_BYTES) : max).then((bytes) => {
          // The stream is spent: the default parser reads this buffered copy instead.
          context.request = new Request(request.url, { method: request.method, headers: request.headers, body: bytes })
        })
      })
  )
}

/** The Bun.serve limit: well above MAX_BODY_BYTES so our JSON 413 answers first. */
export function serverBodyLimit(maxBodyBytes: number): number {
  return Math.max(maxBodyBytes * 4, maxBodyBytes + 64 * 1024 * 1024)
}
