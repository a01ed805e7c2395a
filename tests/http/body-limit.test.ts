import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startServer, type RunningServer } from '../helpers/spawn'
import { TEST_SECRET } from '../helpers/harness'

const MAX = 1000

/** A JSON body sent chunked (no Content-Length), `size` bytes in 500-byte pieces. */
function chunkedJson(size: number): ReadableStream<Uint8Array> {
  const prefix = '{"email":"someone@example.com","password":"'
  const total = Math.max(size, prefix.length + 2)
  const text = `${prefix + 'x'.repeat(total - prefix.length - 2)}"}`
  const bytes = new TextEncoder().encode(text)
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(offset, offset + 500))
      offset += 500
    },
  })
}

describe('MAX_BODY_BYTES against the real server', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ env: { MAX_BODY_BYTES: String(MAX), SECRET_KEY: TEST_SECRET } })
  })
  afterAll(async () => {
    expect(await server.stop()).toBe(0)
  })

  const login = (body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/v2/auth/login`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      duplex: 'half',
    } as RequestInit)

  test('a declared Content-Length over the limit: 413 JSON', async () => {
    const response = await login(JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(MAX) }))
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({ detail: 'Request body too large' })
    expect(response.headers.get('x-request-id')).toBeTruthy()
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })

  test.each([MAX + 500, 10 * MAX, 200 * MAX])('a chunked body of %d bytes: 413 JSON', async (size) => {
    const response = await login(chunkedJson(size))
    expect(response.status).toBe(413)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(await response.json()).toEqual({ detail: 'Request body too large' })
  })

  test('a chunked body under the limit reaches the route', async () => {
    const response = await login(chunkedJson(200))
    // Parsed and validated as usual: an unknown account.
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ detail: 'Incorrect email or password' })
  })

  test('the server keeps serving afterwards', async () => {
    const response = await fetch(`${server.url}/health`)
    expect(response.status).toBe(200)
  })
})
