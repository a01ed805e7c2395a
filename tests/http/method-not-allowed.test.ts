import { describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { allowedMethods } from '../../src/http/allowed-methods'
import { describeEachDialect, errorBody, useTestApp } from '../helpers/harness'

describe('allowedMethods reads the route table as Elysia writes it', () => {
  const app = new Elysia()
    .use(
      new Elysia({ prefix: '/things' })
        .get('/', () => 'list')
        .post('/', () => 'add')
        .get('/:id', () => 'one')
        .delete('/:id', () => 'gone'),
    )
    .get('/files/*', () => 'file')
    .put('/a.b', () => 'dotted')
  const methodsFor = allowedMethods(() => app.routes)

  test('a prefixed root is listed with its trailing slash, parameters as `:name`, a wildcard as `*`', () => {
    expect(app.routes.map((route) => `${route.method} ${route.path}`)).toEqual([
      'GET /things/',
      'POST /things/',
      'GET /things/:id',
      'DELETE /things/:id',
      'GET /files/*',
      'PUT /a.b',
    ])
  })

  test('each concrete path gets the methods of the routes that match it, HEAD with GET', () => {
    expect(methodsFor('/things').sort()).toEqual(['GET', 'HEAD', 'POST'])
    expect(methodsFor('/things/').sort()).toEqual(['GET', 'HEAD', 'POST'])
    expect(methodsFor('/things/7').sort()).toEqual(['DELETE', 'GET', 'HEAD'])
    expect(methodsFor('/files/a/b.txt').sort()).toEqual(['GET', 'HEAD'])
    expect(methodsFor('/a.b')).toEqual(['PUT'])
    expect(methodsFor('/aXb')).toEqual([])
    expect(methodsFor('/things/7/more')).toEqual([])
  })
})

/**
 * 405 answers are computed from Elysia's public route table (`app.routes`):
 * each route's method and its path written with `:name` parameters. These
 * tests pin that format, so an Elysia upgrade that changes it fails here.
 */
describeEachDialect('405 for a known path with another method', (dialect) => {
  const testApp = useTestApp(dialect)

  test('the route table lists methods and `:name` paths', () => {
    const routes = testApp.app.routes.map((route) => `${route.method} ${route.path}`)
    expect(routes).toContain('GET /api/v2/customers/:id')
    expect(routes).toContain('PATCH /api/v2/customers/:id')
    expect(routes).toContain('POST /api/v2/customers/:id/archive')
  })

  test('a parameterised path answers 405 with the methods it has', async () => {
    const response = await testApp.request('PUT', '/api/v2/customers/7')
    expect(response.status).toBe(405)
    const allowed = (response.headers.get('allow') ?? '').split(', ')
    expect(allowed).toEqual(expect.arrayContaining(['GET', 'HEAD', 'PATCH']))
    expect(allowed).not.toContain('PUT')
    expect(typeof (await errorBody(response)).detail).toBe('string')
  })

  test('a nested parameterised path answers 405 naming only its own method', async () => {
    const response = await testApp.request('GET', '/api/v2/customers/7/archive')
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
  })

  test('a path no route matches stays 404', async () => {
    expect((await testApp.request('PUT', '/api/v2/customers/7/nothing')).status).toBe(404)
  })
})
