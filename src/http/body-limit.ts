import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { HttpError } from './errors'

/**
 * Rejects bodies over MAX_BODY_BYTES before they are read. Bun.serve's
 * maxRequestBodySize backs this up for bodies without a Content-Length.
 */
export function bodyLimit(ctx: AppContext) {
  const max = ctx.config.maxBodyBytes
  return new Elysia({ name: 'body-limit', seed: ctx.id }).onRequest(({ request }) => {
    const length = request.headers.get('content-length')
    if (length !== null && (!/^\d+$/.test(length) || Number(length) > max)) {
      throw new HttpError(/^\d+$/.test(length) ? 413 : 400, /^\d+$/.test(length) ? 'Request body too large' : 'Invalid Content-Length')
    }
  })
}
