import { describe, expect, test } from 'bun:test'
import { Elysia, t } from 'elysia'
import { buildDocument } from '../../src/docs/document'

interface Operation {
  security?: unknown[]
  requestBody?: { content: Record<string, unknown> }
  responses: Record<string, { description: string }>
}

const SIGNED_IN = { security: [{ bearerAuth: [] }], responses: { 401: { description: 'Signed out' } } }
const SIGNED_IN_AS_DECLARED = structuredClone(SIGNED_IN)

/** A small app shaped like ours: a macro carrying its `detail`, a function parse hook as the body limit has. */
function sample() {
  const guard = new Elysia({ name: 'guard' }).macro({ signedIn: { detail: SIGNED_IN } })
  return new Elysia()
    .onParse({ as: 'global' }, () => undefined)
    .use(guard)
    .post('/with-schemas', ({ body }) => ({ name: body.name }), {
      signedIn: true,
      body: t.Object({ name: t.String() }),
      response: { 200: t.Object({ name: t.String() }) },
      detail: { summary: 'With schemas' },
    })
    .get('/by-detail', () => 'ok', { signedIn: true, detail: { summary: 'By detail', responses: { 200: { description: 'Fine' } } } })
    .get('/open', () => 'ok', { detail: { summary: 'Open' } })
}

/**
 * buildDocument hands @elysiajs/openapi the app's public route table
 * (`app.routes`) through the one method the generator reads, and makes up for
 * what it leaves out. These pin the Elysia and generator behaviour that relies
 * on, so an upgrade that changes it fails here.
 */
describe('the OpenAPI generator, fed the public route table', () => {
  const app = sample()
  const paths = buildDocument(app.routes, 'Sample', undefined).paths as Record<string, Record<string, Operation>>

  test("a macro's detail is merged into the detail of each route that uses it", () => {
    const route = app.routes.find((entry) => entry.path === '/by-detail')!
    expect(route.hooks.detail).toMatchObject({ summary: 'By detail', security: SIGNED_IN.security })
    expect(route.hooks.detail.responses).toMatchObject({ 200: { description: 'Fine' }, 401: { description: 'Signed out' } })
  })

  test('every route is documented from the table', () => {
    expect(Object.keys(paths).sort()).toEqual(['/by-detail', '/open', '/with-schemas'])
  })

  test("declared answers survive `response` schemas, which make the generator drop the detail's", () => {
    const operation = paths['/with-schemas']!.post!
    expect(operation.security).toEqual(SIGNED_IN.security)
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '401']))
    expect(Object.keys(paths['/by-detail']!.get!.responses)).toEqual(expect.arrayContaining(['200', '401']))
  })

  test('a route without a security requirement is public', () => {
    expect(paths['/open']!.get!.security).toEqual([])
  })

  test('a function parse hook does not empty the documented request content types', () => {
    expect(Object.keys(paths['/with-schemas']!.post!.requestBody!.content)).toContain('application/json')
  })

  test("completing the operations leaves the macro's detail, shared by its routes, alone", () => {
    expect(SIGNED_IN).toEqual(SIGNED_IN_AS_DECLARED)
    expect(buildDocument(app.routes, 'Sample', undefined).paths).toEqual(buildDocument(app.routes, 'Sample', undefined).paths)
  })
})
