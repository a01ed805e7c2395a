import { expect, test } from 'bun:test'
import { createTestApp, describeEachDialect, errorBody, useTestApp } from '../helpers/harness'
import { VERSION, buildCommit } from '../../src/version'

describeEachDialect('health and error shapes', (dialect) => {
  const testApp = useTestApp(dialect)

  test('GET /health is ok with the version', async () => {
    const response = await testApp.request('GET', '/health')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok', database: 'ok', version: VERSION, commit: buildCommit() })
  })

  test('unknown route is 404 JSON, wrong method 405 with Allow', async () => {
    const missing = await testApp.request('GET', '/api/v2/nothing-here')
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ detail: 'Not Found' })
    const wrong = await testApp.request('DELETE', '/health')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toContain('GET')
    expect((await errorBody(wrong)).detail).toBe('Method Not Allowed')
  })

  test('trailing slash is accepted without a redirect', async () => {
    const response = await testApp.request('GET', '/health/')
    expect(response.status).toBe(200)
  })

  test('a body over MAX_BODY_BYTES is 413', async () => {
    const response = await testApp.request('POST', '/health', { body: 'x'.repeat(2_000_000), headers: { 'content-length': '2000000' } })
    expect(response.status).toBe(413)
    expect((await errorBody(response)).detail).toBe('Request body too large')
  })

  test('every response carries a request id, and a sane incoming one is kept', async () => {
    const response = await testApp.request('GET', '/health', { headers: { 'x-request-id': 'abc-123' } })
    expect(response.headers.get('x-request-id')).toBe('abc-123')
    const generated = await testApp.request('GET', '/health', { headers: { 'x-request-id': 'bad id with spaces\n' } })
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  test('503 when the database is unreachable', async () => {
    const other = await createTestApp(dialect)
    await other.database.close()
    const response = await other.request('GET', '/health')
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ database: 'unavailable' })
    await other.close()
  })
})
