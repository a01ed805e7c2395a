import { ErrorBody, ValidationErrorBody } from '../http/errors'

/** The error shapes every route shares ({"detail": …}, and the 422 field list): the routes' own schemas, as plain JSON. */
export const ERROR_SCHEMAS = JSON.parse(JSON.stringify({ Error: ErrorBody, ValidationError: ValidationErrorBody }))

export interface Operation {
  description?: string
  summary?: string
  security?: Record<string, string[]>[]
  requestBody?: { content?: Record<string, Record<string, unknown>> }
  parameters?: unknown[]
  responses?: Record<string, Record<string, unknown>>
}

interface SharedError {
  description: string
  example: unknown
  schema?: 'Error' | 'ValidationError'
}

/** The answers many routes share, with the `detail` they usually carry. */
export const SHARED_ERRORS: Record<string, SharedError> = {
  '400': {
    description: 'Malformed request body (not parseable as its Content-Type, nested too deeply, a bad Content-Length)',
    example: { detail: 'Malformed request body' },
  },
  '401': { description: 'Missing, invalid, expired or revoked credentials', example: { detail: 'Could not validate credentials' } },
  '403': {
    description: 'Disabled account, missing permission, or a cross-site cookie request',
    example: { detail: 'Permission denied: requires edit_customers' },
  },
  '413': { description: 'The body is larger than MAX_BODY_BYTES', example: { detail: 'Request body too large' } },
  '422': {
    description: 'Request validation failed: every wrong field is named',
    schema: 'ValidationError',
    example: { detail: 'Request validation failed', errors: [{ field: 'page_size', message: 'Expected an integer from 1 to 200' }] },
  },
  default: {
    description:
      'Any other error: 503 "Database unavailable" with Retry-After while the database does not answer, 500 with the request id otherwise',
    example: { detail: 'Internal Server Error', request_id: '5f0c7a52-93c1-4f0b-9a38-3c1f2f6e9b1d' },
  },
}

export const errorResponse = (description: string, schema = 'Error') => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
})

/** One of the shared answers as an OpenAPI response: the auth macros declare theirs with it. */
export function sharedErrorResponse(status: '401' | '403' | '400' | '413' | '422' | 'default') {
  const error = SHARED_ERRORS[status]
  if (!error) throw new Error(`no shared error for status ${status}`)
  return errorResponse(error.description, error.schema)
}

/** Request bodies the app parses itself (JSON, forms); Twilio's forms are read by the webhook's signature check instead. */
function parsesBody(operation: Operation): boolean {
  return Object.keys(operation.requestBody?.content ?? {}).includes('application/json')
}

/** Any query or header value can be wrong; a path segment only when its schema constrains it (an unconstrained id that matches nothing is a 404). */
function canFailValidation(parameter: unknown): boolean {
  const { in: location, schema } = parameter as { in?: string; schema?: Record<string, unknown> }
  if (location !== 'path') return true
  if (!schema) return false
  return schema.type !== 'string' || ['maxLength', 'minLength', 'pattern', 'enum', 'format', 'const'].some((key) => key in schema)
}

/**
 * Fills in what the route's own declaration leaves out: no security
 * requirement means public (the auth macros and the webhook signature check
 * declare theirs), and the answers the shared rules give.
 */
export function completeOperation(operation: Operation): void {
  operation.security ??= []
  operation.responses ??= {}
  const responses = operation.responses
  if (parsesBody(operation)) responses['400'] ??= sharedErrorResponse('400')
  if (operation.requestBody) responses['413'] ??= sharedErrorResponse('413')
  if (operation.requestBody || (operation.parameters ?? []).some(canFailValidation)) responses['422'] ??= sharedErrorResponse('422')
  responses.default ??= sharedErrorResponse('default')
}
