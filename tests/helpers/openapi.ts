import Ajv2020 from 'ajv/dist/2020'
import addFormats from 'ajv-formats'

/** Just enough of an OpenAPI 3.1 document to check answers against it. */
interface MediaType {
  schema?: unknown
  example?: unknown
  examples?: Record<string, { summary?: string; value: unknown }>
}
interface ResponseObject {
  description: string
  headers?: Record<string, { $ref?: string; required?: boolean; schema?: unknown }>
  content?: Record<string, MediaType>
}
export interface OperationObject {
  summary?: string
  description?: string
  parameters?: { name: string; in: string; schema?: Record<string, unknown> }[]
  requestBody?: { content: Record<string, MediaType> }
  responses: Record<string, ResponseObject>
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>
  components: Record<string, Record<string, unknown>>
}

/** A copy of `node` with every local `$ref` replaced by what it points at. */
export function deref<T>(node: T, doc: OpenApiDocument, seen: string[] = []): T {
  if (Array.isArray(node)) return node.map((item) => deref(item, doc, seen)) as T
  if (typeof node !== 'object' || node === null) return node
  const ref = (node as { $ref?: unknown }).$ref
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    if (seen.includes(ref)) throw new Error(`circular $ref ${ref}`)
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Record<string, unknown>)?.[key], doc)
    if (target === undefined) throw new Error(`unresolved $ref ${ref}`)
    return deref(target as T, doc, [...seen, ref])
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, deref(value, doc, seen)])) as T
}

/** A JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) that knows OpenAPI's integer formats. */
export function schemaValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats(ajv)
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 })
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) })
  const cache = new Map<string, ReturnType<typeof ajv.compile>>()
  return (schema: unknown, value: unknown): string[] => {
    const key = JSON.stringify(schema)
    let validate = cache.get(key)
    if (!validate) {
      validate = ajv.compile(schema as object)
      cache.set(key, validate)
    }
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`)
  }
}

/** The documented operation a concrete method and path belong to (`/api/v2/customers/7` → `/api/v2/customers/{id}`). */
export function findOperation(
  doc: OpenApiDocument,
  method: string,
  path: string,
): { template: string; operation: OperationObject } | undefined {
  const clean = path.split('?')[0]!.replace(/(.)\/+$/, '$1')
  // Literal segments win over parameters: fewer parameters first.
  const byParameters = Object.entries(doc.paths).sort(([a], [b]) => a.split('{').length - b.split('{').length)
  for (const [template, item] of byParameters) {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`)
    const operation = item[method.toLowerCase()]
    if (operation && pattern.test(clean)) return { template, operation }
  }
  return undefined
}

const dereferenced = new WeakMap<object, ResponseObject>()
function derefCached(response: ResponseObject, doc: OpenApiDocument): ResponseObject {
  let spec = dereferenced.get(response)
  if (!spec) {
    spec = deref(response, doc)
    dereferenced.set(response, spec)
  }
  return spec
}

/**
 * Headers any HTTP answer may carry that are not part of the API's contract:
 * transport, the security headers set on every answer, and the CORS protocol
 * headers besides the documented Access-Control-Allow-Origin.
 */
const PROTOCOL_HEADERS = new Set([
  'content-type',
  'content-length',
  'date',
  'vary',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-encoding',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'content-security-policy',
  'strict-transport-security',
  'access-control-allow-credentials',
  'access-control-expose-headers',
])

/**
 * Everything about an answer the document does not cover: an undocumented
 * status, a header outside the documented ones (or a required one missing),
 * a content type it does not list, or a body its schema rejects.
 */
export async function conformanceProblems(
  doc: OpenApiDocument,
  validate: ReturnType<typeof schemaValidator>,
  method: string,
  path: string,
  response: Response,
): Promise<string[]> {
  const where = `${method} ${path} → ${response.status}`
  const found = findOperation(doc, method, path)
  if (!found) return [`${where}: no such operation in the document`]
  const documented = found.operation.responses[String(response.status)]
  if (!documented) return [`${where}: status not documented for ${method} ${found.template}`]
  const spec = derefCached(documented, doc)
  const problems: string[] = []
  const headers = new Map(Object.entries(spec.headers ?? {}).map(([name, header]) => [name.toLowerCase(), header]))
  for (const [name, value] of response.headers) {
    if (PROTOCOL_HEADERS.has(name)) continue
    const header = headers.get(name)
    if (!header) {
      problems.push(`${where}: header ${name} not documented`)
      continue
    }
    const schema = header.schema as { type?: string } | undefined
    const typed = schema?.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value
    for (const error of schema ? validate(schema, typed) : []) problems.push(`${where}: header ${name}: ${error}`)
  }
  for (const [name, header] of headers)
    if (header.required && !response.headers.has(name)) problems.push(`${where}: required header ${name} missing`)

  const text = await response.text()
  const contentType = response.headers.get('content-type')?.split(';')[0]?.trim()
  if (!spec.content) {
    if (text !== '') problems.push(`${where}: a body where none is documented`)
    return problems
  }
  const media = contentType ? spec.content[contentType] : undefined
  if (!media) return [...problems, `${where}: content type ${contentType} not documented (${Object.keys(spec.content).join(', ')})`]
  let body: unknown = text
  if (contentType === 'application/json') {
    try {
      body = JSON.parse(text)
    } catch {
      return [...problems, `${where}: body is not JSON`]
    }
  }
  for (const error of media.schema ? validate(media.schema, body) : []) problems.push(`${where}: body ${error}`)
  return problems
}
