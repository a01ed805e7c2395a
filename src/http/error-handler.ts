import { type Context, Elysia, ElysiaCustomStatusResponse, status, type ValidationError } from 'elysia'
import type { AppContext } from '../context'
import { HttpError, NotFound, ValidationFailed, type FieldError } from './errors'
import { rawCheckErrors } from './raw-check'
import { requestInfo } from './request-context'
import { recordAnswer } from './request-log'
import { databaseErrorCode, isDatabaseUnavailable } from '../db/unavailable'

/**
 * Elysia checks a coerced number (query `page=0`, path `:id`) on its own and
 * reports it with no path; name the field by finding the offending value in
 * the query, else call it a path parameter.
 */
function coercedFieldName(error: ValidationError, request: Request): string {
  const value = String(error.value)
  const query = new URL(request.url).searchParams
  for (const [key, raw] of query) if (raw.trim() === value || Number(raw) === Number(value)) return key
  return 'path'
}

function fieldErrors(error: ValidationError, request: Request): FieldError[] {
  const seen = new Set<string>()
  const out: FieldError[] = []
  for (const issue of error.all) {
    const path = 'path' in issue && typeof issue.path === 'string' ? issue.path : ''
    const field = path.replace(/^\//, '').replace(/\//g, '.') || (error.type === 'property' ? coercedFieldName(error, request) : error.type)
    const message = ('message' in issue && typeof issue.message === 'string' ? issue.message : 'Invalid value').slice(0, 200)
    const key = `${field}:${message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ field, message })
    if (out.length >= 20) break
  }
  if (error.type === 'body') {
    // Fields the schema accepted may still be wrong in ways only the service knows: one 422 names them all.
    const validator = error.validator as { schema?: unknown } | undefined
    for (const extra of rawCheckErrors(validator?.schema, error.value)) {
      if (!out.some((found) => found.field === extra.field)) out.push(extra)
    }
  }
  return out.length ? out : [{ field: error.type, message: 'Invalid value' }]
}

/** What a failed request's context tells the error handler. */
interface Failure {
  code: string | number
  error: unknown
  set: Context['set']
  request: Request
  path: string
}

/** The answer to a failure: its status and `{detail}` body, with its headers put on `set`. */
function errorAnswer(ctx: AppContext, methodsFor: (path: string) => string[], { code, error, set, request, path }: Failure) {
  const answer = (refusal: HttpError) => {
    Object.assign(set.headers, refusal.headers)
    return status(refusal.status, refusal.body)
  }
  // An HttpError thrown while the body was read (e.g. the chunked-body limit) arrives wrapped in a ParseError.
  if (code === 'PARSE' && (error as Error).cause instanceof HttpError) error = (error as Error).cause as HttpError
  if (error instanceof HttpError) return answer(error)
  switch (code) {
    case 'VALIDATION':
      return answer(new ValidationFailed(fieldErrors(error as ValidationError, request)))
    case 'PARSE':
      return answer(new HttpError(400, 'Malformed request body'))
    case 'NOT_FOUND': {
      const allowed = methodsFor(path)
      if (allowed.length && !allowed.includes(request.method))
        return answer(new HttpError(405, 'Method Not Allowed', { allow: allowed.join(', ') }))
      return answer(new NotFound())
    }
    case 'INVALID_COOKIE_SIGNATURE':
      return answer(new HttpError(400, 'Invalid cookie'))
    case 'INVALID_FILE_TYPE':
      return answer(ValidationFailed.field('file', 'Invalid file type'))
  }
  // `throw status(409, {...})` from a handler: answer what it asked for.
  if (error instanceof ElysiaCustomStatusResponse) return status(error.code, error.response)
  // A status the framework itself set deliberately (e.g. 413 from the server).
  const frameworkStatus = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500
  if (frameworkStatus >= 400 && frameworkStatus < 500)
    return answer(new HttpError(frameworkStatus, frameworkStatus === 413 ? 'Request body too large' : 'Bad Request'))
  const requestId = requestInfo(set)?.id
  // A database that is down or locked is a temporary condition of the server, not a bug: 503, retry later.
  if (isDatabaseUnavailable(error)) {
    ctx.logger.warn({ requestId, code: databaseErrorCode(error) }, 'database unavailable')
    return answer(new HttpError(503, 'Database unavailable', { 'retry-after': '1' }))
  }
  ctx.logger.error(
    { requestId, err: { type: (error as Error)?.name, message: (error as Error)?.message, stack: (error as Error)?.stack } },
    'unhandled error',
  )
  return answer(new HttpError(500, 'Internal Server Error', {}, { request_id: requestId }))
}

/**
 * The one place errors become responses: `{detail}` JSON, never a stack trace,
 * SQL or driver text. Unexpected errors are logged with the request id.
 */
export function errorHandler(ctx: AppContext, methodsFor: (path: string) => string[]) {
  return new Elysia({ name: 'error-handler', seed: ctx.id }).onError({ as: 'global' }, (context) => {
    // Fields read one by one (see requestLog): `user` is there when authentication got that far.
    const { code, error, set, request, path, route } = context
    const answer = errorAnswer(ctx, methodsFor, { code, error, set, request, path })
    recordAnswer(ctx, { request, set, route, user: (context as { user?: unknown }).user }, answer.code)
    return answer
  })
}
