import { afterEach, expect, test } from 'bun:test'
import { createTestApp, describeEachDialect, errorBody, errorFields, expectBody, type AppClient } from '../helpers/harness'
import { OptOutService } from '../../src/optouts/service'
import { allCommunications, communicationRow, insertCustomer, SMS_LIMITS_OUT_OF_THE_WAY, smsApp, useSmsApp } from './support'
import { SENDER } from '../../testkit/twilio'

/** Generous: each PostgreSQL test app is a fresh database, and CI machines are shared. */
const SLOW = 30_000

const SEND = '/api/v2/communications/sms/send'

describeEachDialect('SMS sending', (dialect) => {
  const sms = useSmsApp(
    dialect,
    {
      TWILIO_TIMEOUT_MS: '300',
      PUBLIC_URL: 'https://crm.example.com',
      ...SMS_LIMITS_OUT_OF_THE_WAY,
    },
    { roles: ['user'], timeout: SLOW },
  )
  const { testApp } = sms
  const { user } = testApp.users

  afterEach(() => sms.twilio.reset())

  /** Raw, for payloads the API must refuse. */
  const send = (json: unknown, token = user.token) => testApp.request('POST', SEND, { token, json })
  const sendSms = (payload: Parameters<AppClient['api']['v2']['communications']['sms']['send']['post']>[0]) =>
    testApp.client(user).api.v2.communications.sms.send.post(payload)

  test(
    'a send is recorded, handed to Twilio with the right fields, and answered 201',
    async () => {
      const body = expectBody(await sendSms({ to: '+1 (415) 555-0100', body: 'Your table is ready' }), 201)
      expect(body).toMatchObject({
        type: 'sms',
        direction: 'outbound',
        status: 'queued',
        to_address: '+14155550100',
        from_address: SENDER,
        content: 'Your table is ready',
        customer_id: null,
        user_id: user.id,
      })
      expect(body.external_id).toMatch(/^SM[0-9a-f]{32}$/)
      expect(typeof body.id).toBe('number')
      expect(new Date(body.created_at).toString()).not.toBe('Invalid Date')

      expect(sms.twilio.requests).toHaveLength(1)
      const sent = sms.twilio.requests[0]!
      expect(sent.authorized).toBe(true)
      expect(sent.to).toBe('+14155550100')
      expect(sent.from).toBe(SENDER)
      expect(sent.body).toBe('Your table is ready')
      expect(sent.statusCallback).toBe('https://crm.example.com/webhooks/twilio/status')
      expect(body.external_id).toBe(sent.sid!)

      const row = await communicationRow(testApp.database, body.id)
      expect(row).toMatchObject({
        status: 'queued',
        externalId: sent.sid,
        fromAddress: SENDER,
        userId: user.id,
        direction: 'outbound',
        type: 'sms',
      })
    },
    SLOW,
  )

  test(
    "Twilio's status for the new message is kept",
    async () => {
      sms.twilio.respondWith({ kind: 'ok', status: 'sent' })
      const response = await sendSms({ to: '+14155550101', body: 'hello' })
      expect(expectBody(response, 201).status).toBe('sent')
    },
    SLOW,
  )

  test(
    "a Twilio error leaves a failed record and answers 502 with Twilio's message",
    async () => {
      sms.twilio.respondWith({
        kind: 'error',
        httpStatus: 400,
        code: 21211,
        message: "The 'To' number +14155550102 is not a valid phone number.",
      })
      const before = (await allCommunications(testApp.database)).length
      const response = await send({ to: '+14155550102', body: 'hi' })
      expect(response.status).toBe(502)
      expect(await response.json()).toEqual({ detail: "SMS provider error: The 'To' number +14155550102 is not a valid phone number." })
      const rows = await allCommunications(testApp.database)
      expect(rows).toHaveLength(before + 1)
      const failed = rows.at(-1)!
      expect(failed).toMatchObject({ status: 'failed', errorCode: '21211', toAddress: '+14155550102', externalId: null })
      expect(failed.errorMessage).toContain('not a valid phone number')
    },
    SLOW,
  )

  test(
    'a Twilio that hangs is given up on within TWILIO_TIMEOUT_MS: 502, failed record',
    async () => {
      sms.twilio.respondWith({ kind: 'hang' })
      const started = performance.now()
      const response = await send({ to: '+14155550103', body: 'hi' })
      const elapsed = performance.now() - started
      expect(response.status).toBe(502)
      expect(await response.json()).toEqual({ detail: 'SMS provider error: Twilio did not respond in time' })
      expect(elapsed).toBeLessThan(2000)
      const failed = (await allCommunications(testApp.database)).at(-1)!
      expect(failed).toMatchObject({ status: 'failed', errorCode: 'timeout' })
    },
    SLOW,
  )

  test(
    'a 5xx from Twilio is a 502 without internals',
    async () => {
      sms.twilio.respondWith({ kind: 'server-error', httpStatus: 503 })
      const response = await send({ to: '+14155550104', body: 'hi' })
      expect(response.status).toBe(502)
      const detail = (await errorBody(response)).detail
      expect(detail).toBe('SMS provider error: Twilio is unavailable (HTTP 503)')
      expect(detail).not.toContain('html')
    },
    SLOW,
  )

  test(
    'an unreachable Twilio is a 502',
    async () => {
      const closed = await smsApp(dialect, { TWILIO_API_BASE_URL: 'http://127.0.0.1:9' })
      const someone = await closed.testApp.createUser('user')
      const response = await closed.testApp.request('POST', SEND, { token: someone.token, json: { to: '+14155550105', body: 'hi' } })
      expect(response.status).toBe(502)
      expect(await response.json()).toEqual({ detail: 'SMS provider error: Twilio could not be reached' })
      await closed.close()
    },
    SLOW,
  )

  test(
    'error 20429 (too many concurrent requests) is retried',
    async () => {
      sms.twilio.respondWith({ kind: 'error', httpStatus: 429, code: 20429, message: 'Too Many Requests' }, 2)
      const response = await send({ to: '+14155550106', body: 'retry me' })
      expect(response.status).toBe(201)
      expect(sms.twilio.requests).toHaveLength(3)
      expect(sms.twilio.accepted()).toHaveLength(1)
    },
    SLOW,
  )

  test(
    '20429 retries are bounded: the third refusal is a 502',
    async () => {
      sms.twilio.respondWith({ kind: 'error', httpStatus: 429, code: 20429, message: 'Too Many Requests' }, 5)
      const response = await send({ to: '+14155550107', body: 'retry me' })
      expect(response.status).toBe(502)
      expect((await errorBody(response)).detail).toBe('SMS provider error: Too Many Requests')
      expect(sms.twilio.requests).toHaveLength(3)
    },
    SLOW,
  )

  test(
    'error 21610 (recipient unsubscribed) marks the number opted out; the next send is refused locally',
    async () => {
      sms.twilio.respondWith({ kind: 'error', httpStatus: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' })
      const first = await send({ to: '+14155550108', body: 'hi' })
      expect(first.status).toBe(502)
      expect((await errorBody(first)).detail).toBe('SMS provider error: Attempt to send to unsubscribed recipient')
      expect(await new OptOutService(testApp.database).isOptedOut('+14155550108')).toBe(true)
      const second = await send({ to: '+14155550108', body: 'hi again' })
      expect(second.status).toBe(409)
      expect(sms.twilio.requests).toHaveLength(1)
    },
    SLOW,
  )

  test(
    'an opted-out number: 409, nothing sent, nothing recorded',
    async () => {
      await new OptOutService(testApp.database).set('+14155550109', true)
      const before = (await allCommunications(testApp.database)).length
      const response = await send({ to: '415-555-0109', body: 'hi' })
      expect(response.status).toBe(409)
      expect(await response.json()).toEqual({ detail: 'Recipient has opted out of SMS' })
      expect(sms.twilio.requests).toHaveLength(0)
      expect(await allCommunications(testApp.database)).toHaveLength(before)
    },
    SLOW,
  )

  test(
    'customer_id sends to the customer phone and links the record',
    async () => {
      const id = await insertCustomer(testApp.database, { phone: '+14155550110' })
      const response = await send({ customer_id: id, body: 'hello customer' })
      expect(response.status).toBe(201)
      expect(await response.json()).toMatchObject({ customer_id: id, to_address: '+14155550110' })
      expect(sms.twilio.requests[0]!.to).toBe('+14155550110')
    },
    SLOW,
  )

  test(
    'a `to` equal to a customer phone links the record to that customer; deleted customers do not count',
    async () => {
      const deleted = await insertCustomer(testApp.database, { phone: '+14155550111', deleted: true })
      const live = await insertCustomer(testApp.database, { phone: '+14155550111' })
      const body = expectBody(await sendSms({ to: '(415) 555-0111', body: 'linked' }), 201)
      expect(body.customer_id).toBe(live)
      expect(body.customer_id).not.toBe(deleted)
      const unlinked = await sendSms({ to: '+14155550112', body: 'no customer' })
      expect(expectBody(unlinked, 201).customer_id).toBeNull()
    },
    SLOW,
  )

  test(
    'unknown or deleted customer_id: 404 "Customer not found"; a customer without phone: 422',
    async () => {
      const missing = await send({ customer_id: 999_999, body: 'x' })
      expect(missing.status).toBe(404)
      expect(await missing.json()).toEqual({ detail: 'Customer not found' })
      for (const id of [0, -1, 2 ** 31, 1.5, 'abc']) {
        const invalid = await send({ customer_id: id, body: 'x' })
        expect(invalid.status).toBe(422)
      }
      const deleted = await insertCustomer(testApp.database, { phone: '+14155550113', deleted: true })
      expect((await send({ customer_id: deleted, body: 'x' })).status).toBe(404)
      const noPhone = await insertCustomer(testApp.database, { phone: null, email: 'a@example.com' })
      const response = await send({ customer_id: noPhone, body: 'x' })
      expect(response.status).toBe(422)
      expect((await errorFields(response))[0]).toBe('customer_id')
      expect(sms.twilio.requests).toHaveLength(0)
    },
    SLOW,
  )

  test(
    'body length is 1..1600 code points; empty or whitespace-only is 422 naming body',
    async () => {
      for (const body of ['', '   \n\t ', 'x'.repeat(1601), '😀'.repeat(1601)]) {
        const response = await send({ to: '+14155550114', body })
        expect(response.status).toBe(422)
        expect(await errorFields(response)).toContain('body')
      }
      // 1600 emoji are 3200 UTF-16 units but 1600 characters: accepted.
      const emoji = await send({ to: '+14155550114', body: '😀'.repeat(1600) })
      expect(emoji.status).toBe(201)
      expect(sms.twilio.requests[0]!.body).toBe('😀'.repeat(1600))
      expect((await send({ to: '+14155550114', body: 'x'.repeat(1600) })).status).toBe(201)
    },
    SLOW,
  )

  test(
    'missing or invalid `to` is 422 naming to',
    async () => {
      for (const payload of [
        { body: 'x' },
        { to: 'not a phone', body: 'x' },
        { to: '123', body: 'x' },
        { to: '+1 000 000 0000', body: 'x' },
      ]) {
        const response = await send(payload)
        expect(response.status).toBe(422)
        const body = await errorBody(response)
        expect(body.detail).toBe('Request validation failed')
        expect((body.errors ?? []).map((e) => e.field)).toContain('to')
      }
      const missingBody = await send({ to: '+14155550115' })
      expect(missingBody.status).toBe(422)
      expect(sms.twilio.requests).toHaveLength(0)
    },
    SLOW,
  )

  test(
    'auth and permission come first',
    async () => {
      const anonymous = await testApp.request('POST', SEND, { json: { to: '+14155550116', body: 'x' } })
      expect(anonymous.status).toBe(401)
      const garbage = await testApp.request('POST', SEND, { token: 'nope', json: { nonsense: true } })
      expect(garbage.status).toBe(401)
      expect(sms.twilio.requests).toHaveLength(0)
    },
    SLOW,
  )

  test(
    'logs carry neither the message body nor the full number',
    async () => {
      const secretText = 'pickup code 7788-secret'
      await send({ to: '+14155550117', body: secretText })
      sms.twilio.respondWith({ kind: 'error', httpStatus: 400, code: 21211, message: 'bad' })
      await send({ to: '+14155550117', body: secretText })
      const text = testApp.logs.text
      expect(text).not.toContain(secretText)
      expect(text).not.toContain('4155550117')
      expect(text).toContain('***0117')
    },
    SLOW,
  )

  test(
    'metrics count messages by channel, direction and status',
    async () => {
      await send({ to: '+14155550118', body: 'm' })
      const metrics = await testApp.ctx.metrics.render()
      expect(metrics).toMatch(/crm_messages_total\{channel="sms",direction="outbound",status="queued"\} \d+/)
      expect(metrics).toMatch(/crm_messages_total\{channel="sms",direction="outbound",status="failed"\} \d+/)
    },
    SLOW,
  )
})

describeEachDialect('SMS without Twilio configuration', (dialect) => {
  test(
    '503 "SMS is not configured", nothing recorded, no limiter capacity used',
    async () => {
      const bare = await createTestApp(dialect, { env: { RATE_LIMIT_SMS_PER_MINUTE: '1' } })
      const user = await bare.createUser('user')
      for (let i = 0; i < 3; i++) {
        const response = await bare.request('POST', SEND, { token: user.token, json: { to: '+14155550119', body: 'x' } })
        expect(response.status).toBe(503)
        expect(await response.json()).toEqual({
          detail: 'SMS is not configured',
          hint: 'Set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER (or TWILIO_MESSAGING_SERVICE_SID), then restart',
        })
      }
      expect(await allCommunications(bare.database)).toHaveLength(0)
      expect(await bare.database.db.select().from(bare.database.tables.rateLimitEvents)).toHaveLength(0)
      await bare.close()
    },
    SLOW,
  )

  test(
    'credentials without a sender are not configured either',
    async () => {
      const bare = await createTestApp(dialect, { env: { TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'tok' } })
      const user = await bare.createUser('user')
      const response = await bare.request('POST', SEND, { token: user.token, json: { to: '+14155550119', body: 'x' } })
      expect(response.status).toBe(503)
      await bare.close()
    },
    SLOW,
  )
})
