import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startServer, type RunningServer } from '../helpers/spawn'
import { INCOMING, STATUS, inboundPairs } from './signing'
import { AUTH_TOKEN, formBody, sign } from '../../testkit/twilio'

const form = { 'content-type': 'application/x-www-form-urlencoded' }

/** Over real HTTP: the URL as Bun's server sees it, the socket's IP in the warning, Bun's own body limit. */
describe('Twilio webhooks on the running server', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, LOG_LEVEL: 'info', MAX_BODY_BYTES: '65536' } })
  })
  afterAll(() => server.stop())

  test('a request signed for the URL it was sent to is accepted, with its query string', async () => {
    const path = `${INCOMING}?source=direct&x=%27q%27`
    const pairs = inboundPairs({ Body: 'hi there + more' })
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { ...form, 'x-twilio-signature': sign(`${server.url}${path}`, pairs) },
      body: formBody(pairs),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toStartWith('text/xml')
    expect(await response.text()).toBe('<Response></Response>')
  })

  test('behind a tunnel: signed for the public https URL, forwarded headers set', async () => {
    const pairs = inboundPairs()
    const response = await fetch(`${server.url}${INCOMING}`, {
      method: 'POST',
      headers: {
        ...form,
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'crm-office.trycloudflare.com',
        'x-twilio-signature': sign(`https://crm-office.trycloudflare.com${INCOMING}`, pairs),
      },
      body: formBody(pairs),
    })
    expect(response.status).toBe(200)
  })

  test('a rejected request logs a warning with the socket IP and the path, not the token', async () => {
    const response = await fetch(`${server.url}${STATUS}`, {
      method: 'POST',
      headers: { ...form, 'x-twilio-signature': 'd3Jvbmc=' },
      body: formBody([
        ['MessageSid', 'SM1'],
        ['MessageStatus', 'sent'],
      ]),
    })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ detail: 'Invalid Twilio signature' })
    await Bun.sleep(50)
    const warning = server
      .output()
      .split('\n')
      .find((line) => line.includes('"warn"') && line.includes('signature'))
    expect(warning).toBeDefined()
    expect(warning).toContain('127.0.0.1')
    expect(warning).toContain(STATUS)
    expect(server.output()).not.toContain(AUTH_TOKEN)
    expect(server.output()).not.toContain('d3Jvbmc=')
  })

  test('a chunked body over MAX_BODY_BYTES is refused with a 4xx', async () => {
    const big = new TextEncoder().encode(`Body=${'x'.repeat(200_000)}`)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 16_384) controller.enqueue(big.slice(i, i + 16_384))
        controller.close()
      },
    })
    const response = await fetch(`${server.url}${INCOMING}`, {
      method: 'POST',
      headers: { ...form, 'x-twilio-signature': 'abc' },
      body: stream,
    })
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.status).toBeLessThan(500)
  })
})
