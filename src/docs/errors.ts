import { securityFor } from './security'

/** The error shapes every route shares (SPEC 3), documented once. */
export const ERROR_SCHEMAS = {
  Error: {
    type: 'object',
    required: ['detail'],
    properties: { detail: { type: 'string' } },
  },
  ValidationError: {
    type: 'object',
    required: ['detail', 'errors'],
    properties: {
      detail: { type: 'string', const: 'Request validation failed' },
      errors: {
        type: 'array',
        items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
      },
    },
  },
}

export interface Operation {
  security?: Record<string, string[]>[]
  requestBody?: unknown
  parameters?: unknown[]
  responses?: Record<string, unknown>
}

const errorResponse = (description: string, schema = 'Error') => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
})

/**
 * Fills in what the route's own `detail`/`response` leaves out: the security
 * requirement its location implies, and the shared error answers.
 */
export function completeOperation(operation: Operation, path: string): void {
  operation.security ??= securityFor(path)
  const responses = (operation.responses ??= {})
  const secured = operation.security.some((requirement) => 'bearerAuth' in requirement)
  if (secured) {
    responses['401'] ??= errorResponse('Missing, invalid, expired or revoked credentials ("Could not validate credentials")')
    responses['403'] ??= errorResponse('Disabled account, missing permission, or a cross-site cookie request')
  }
  if (operation.requestBody || operation.parameters?.length) responses['422'] ??= errorResponse('Request validation failed', 'ValidationError')
  responses.default ??= errorResponse('Any other error: {"detail": "..."}')
}
