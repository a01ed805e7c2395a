import { PAGE_SIZE_DEFAULT } from '../http/pagination'
import { errorResponse, SHARED_ERRORS, type Operation } from './errors'
import { headerRef, headersFor } from './headers'
import { OPERATIONS } from './operations'

/** Query parameters whose default the route applies in code (the schema cannot say it without Elysia filling it in). */
const QUERY_DEFAULTS: Record<string, number> = { page: 1, page_size: PAGE_SIZE_DEFAULT }

type Json = Record<string, unknown>

function setExample(content: Json | undefined, example: unknown): void {
  for (const media of Object.values(content ?? {})) (media as Json).example = example
}

/**
 * Adds what the central table (src/docs/operations/) and the shared rules
 * know about one operation: descriptions and examples of the request and
 * every answer, answers the route does not declare, the headers each answer
 * carries, and the defaults of query parameters.
 */
export function describeOperation(operation: Operation, method: string, path: string): void {
  const doc = OPERATIONS[`${method.toUpperCase()} ${path}`]
  operation.responses ??= {}
  const responses = operation.responses
  if (doc?.description && !operation.description) operation.description = doc.description
  const body = operation.requestBody?.content
  if (body && doc?.requestTypes) for (const type of Object.keys(body)) if (!doc.requestTypes.includes(type)) delete body[type]
  if (doc?.request !== undefined) setExample(body, doc.request)
  for (const status of doc?.impossible ?? []) delete responses[status]
  for (const [status, response] of Object.entries(doc?.responses ?? {})) {
    const bodiless = response.example === undefined && response.examples === undefined
    responses[status] ??= bodiless ? { description: response.description } : errorResponse(response.description)
    const existing = responses[status]
    existing.description = response.description
    if (response.example !== undefined) setExample(existing.content as Json, response.example)
    if (response.examples) for (const media of Object.values((existing.content as Json) ?? {})) (media as Json).examples = response.examples
  }
  for (const [status, response] of Object.entries(responses)) {
    const known = SHARED_ERRORS[status]
    if (known && !doc?.responses[status]) {
      if (/^Response for status/.test(response.description as string)) response.description = known.description
      const content = response.content as Json | undefined
      if (
        content &&
        Object.values(content).every((media) => (media as Json).example === undefined && (media as Json).examples === undefined)
      )
        setExample(content, known.example)
    }
    const headers = headersFor(method, path, status)
    response.headers = Object.fromEntries(headers.map((name) => [name, headerRef(name)]))
  }
  for (const parameter of (operation.parameters ?? []) as { in?: string; name?: string; schema?: Json }[]) {
    const fallback = QUERY_DEFAULTS[parameter.name ?? '']
    if (parameter.in === 'query' && fallback !== undefined && parameter.schema && parameter.schema.default === undefined)
      parameter.schema.default = fallback
  }
}
