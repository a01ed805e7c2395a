import { beforeAll, describe, expect, test } from 'bun:test'
import { useTestApp } from '../helpers/harness'
import { deref, schemaValidator, type OpenApiDocument, type OperationObject } from '../helpers/openapi'
import { OPERATIONS } from '../../src/docs/operations'
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX } from '../../src/http/pagination'

/**
 * What a reader of /docs or a client generator gets: every operation and
 * answer described, a realistic example for every request body and every
 * answer with a body (each matching its schema), integers as integers, and
 * the headers each answer carries. A new route shows up here until
 * src/docs/operations/ describes it.
 */
describe('/openapi.json describes every operation with examples', () => {
  const testApp = useTestApp('sqlite')
  let doc: OpenApiDocument
  const operations: { key: string; operation: OperationObject }[] = []
  const validate = schemaValidator()

  beforeAll(async () => {
    doc = (await (await testApp.request('GET', '/openapi.json')).json()) as OpenApiDocument
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, operation] of Object.entries(item)) operations.push({ key: `${method.toUpperCase()} ${path}`, operation })
  })

  test('every operation has a summary and a description', () => {
    const missing = operations.filter(({ operation }) => !operation.summary?.trim() || !operation.description?.trim()).map(({ key }) => key)
    expect(missing).toEqual([])
  })

  test('every answer has a real description, never the generated "Response for status N"', () => {
    const vague: string[] = []
    for (const { key, operation } of operations)
      for (const [status, response] of Object.entries(operation.responses))
        if (!response.description?.trim() || /^Response for status/.test(response.description)) vague.push(`${key} ${status}`)
    expect(vague).toEqual([])
  })

  test('every request body and every answer with a body has an example that matches its schema', () => {
    const problems: string[] = []
    for (const { key, operation } of operations) {
      const media = [
        ...Object.entries(operation.requestBody?.content ?? {}).map(([type, m]) => [`request ${type}`, m] as const),
        ...Object.entries(operation.responses).flatMap(([status, r]) =>
          Object.entries(deref(r, doc).content ?? {}).map(([type, m]) => [`${status} ${type}`, m] as const),
        ),
      ]
      for (const [where, m] of media) {
        const examples = m.example !== undefined ? [m.example] : Object.values(m.examples ?? {}).map((e) => e.value)
        if (examples.length === 0) problems.push(`${key} ${where}: no example`)
        // Form bodies are sent as text; their example is the form's fields.
        for (const example of examples)
          for (const error of validate(deref(m.schema, doc), example)) problems.push(`${key} ${where}: example ${error}`)
      }
    }
    expect(problems).toEqual([])
  })

  test('the description table names only operations that exist', () => {
    const documented = new Set(operations.map(({ key }) => key))
    expect(Object.keys(OPERATIONS).filter((key) => !documented.has(key))).toEqual([])
  })

  test('integers are integers: no string alternative, no made-up default, bounds and defaults kept', () => {
    const text = JSON.stringify(doc)
    expect(text).not.toContain('"format":"integer"')
    expect(text).not.toContain('"format":"numeric"')
    const page = doc.paths['/api/v2/customers']!.get!.parameters!.find((p) => p.name === 'page')!
    expect(page.schema).toMatchObject({ type: 'integer', format: 'int32', minimum: 1, default: 1 })
    const pageSize = doc.paths['/api/v2/admin/users']!.get!.parameters!.find((p) => p.name === 'page_size')!
    expect(pageSize.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT })
    const userId = doc.paths['/api/v2/admin/audit']!.get!.parameters!.find((p) => p.name === 'user_id')!
    expect(userId.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 2_147_483_647 })
    expect(userId.schema).not.toHaveProperty('default')
    const customer = deref(doc.paths['/api/v2/customers/{id}']!.get!.responses['200']!, doc).content!['application/json']!.schema as {
      properties: Record<string, unknown>
    }
    expect(customer.properties.id).toMatchObject({ type: 'integer' })
    expect(customer.properties.id).not.toHaveProperty('anyOf')
  })

  test('change-password documents its 204 and its 400; e-mail sending lists no 409 or 429', () => {
    const change = doc.paths['/api/v2/auth/change-password']!.post!.responses
    expect(change['204']).toBeDefined()
    expect(change['204']!.content).toBeUndefined()
    expect(change['400']).toBeDefined()
    const email = doc.paths['/api/v2/communications/email/send']!.post!.responses
    expect(Object.keys(email)).not.toContain('409')
    expect(Object.keys(email)).not.toContain('429')
  })

  test('answers document the headers they carry', () => {
    const headers = (key: string, status: string) => {
      const [method, path] = key.split(' ')
      return Object.keys(doc.paths[path!]![method!.toLowerCase()]!.responses[status]!.headers ?? {})
    }
    for (const { operation, key } of operations)
      for (const status of Object.keys(operation.responses)) expect(headers(key, status), `${key} ${status}`).toContain('X-Request-Id')
    expect(headers('POST /api/v2/auth/login', '200')).toEqual(expect.arrayContaining(['Set-Cookie', 'Cache-Control']))
    expect(headers('POST /api/v2/auth/login', '429')).toContain('Retry-After')
    expect(headers('GET /api/v2/customers', '401')).toContain('WWW-Authenticate')
    expect(headers('POST /api/v2/communications/sms/send', '201')).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy']))
    expect(headers('POST /api/v2/communications/sms/send', '429')).toEqual(
      expect.arrayContaining(['Retry-After', 'RateLimit', 'RateLimit-Policy']),
    )
    const json = doc.paths['/api/v2/customers']!.post!.responses
    expect(json['400']).toBeDefined()
    expect(json['413']).toBeDefined()
  })
})
