import { afterEach, beforeAll, expect, test } from 'bun:test'
import { describeEachDialect } from '../helpers/harness'
import { OptOutService } from '../../src/optouts/service'
import { allCommunications, insertCustomer, SMS_LIMITS_OUT_OF_THE_WAY, useSmsApp } from '../communications/support'
import { spaHeaders } from './spa'

// Every body shape the React CRM app posts to /communications/sms/send, and
// what reached (the fake) Twilio for each.
describeEachDialect('React CRM app: sending an SMS', (dialect) => {
  const sms = useSmsApp(
    dialect,
    {
      ...SMS_LIMITS_OUT_OF_THE_WAY,
    },
    { roles: ['user'], timeout: 30_000 },
  )
  const { testApp } = sms
  const { user } = testApp.users
  let customerId: number

  beforeAll(async () => {
    customerId = await insertCustomer(testApp.database, { firstName: 'Rosa', lastName: 'Diaz', phone: '+15125550123' })
  }, 30_000)
  afterEach(() => sms.twilio.reset())

  const send = async (json: unknown) => {
    const response = await testApp.request('POST', '/api/v2/communications/sms/send', {
      headers: spaHeaders({ token: user.token, json: true }),
      body: JSON.stringify(json),
    })
    // Untyped on purpose: the SPA is plain JavaScript and reads the answers as such.
    const body: Record<string, any> = await response.json()
    return { status: response.status, body }
  }

  test.each([
    [
      'the SMS command center (to_phone, message, customer_id as a string)',
      () => ({ to_phone: '(512) 555-0123', message: 'Your pump-out is tomorrow', customer_id: String(customerId) }),
    ],
    [
      'the compose modal (to_phone, message, customer_id, work_order_id)',
      () => ({ to_phone: '+15125550123', message: 'Your pump-out is tomorrow', customer_id: String(customerId), work_order_id: 'WO-12' }),
    ],
    ['a conversation (conversation_id, content)', () => ({ conversation_id: '+15125550123', content: 'Your pump-out is tomorrow' })],
    [
      'the work-order panel (to, body, customer_id, source)',
      () => ({ to: '+15125550123', body: 'Your pump-out is tomorrow', customer_id: customerId, source: 'work_order:12' }),
    ],
    [
      'the technician job page (to, body, customer_id)',
      () => ({ to: '512-555-0123', body: 'Your pump-out is tomorrow', customer_id: String(customerId) }),
    ],
    [
      'to_number and template_id',
      () => ({ to_number: '+15125550123', message: 'Your pump-out is tomorrow', template_id: 'appointment_reminder' }),
    ],
  ])('%s', async (_label, body) => {
    const answer = await send(body())
    expect(answer.status).toBe(201)
    expect(answer.body).toMatchObject({
      type: 'sms',
      direction: 'outbound',
      to_address: '+15125550123',
      content: 'Your pump-out is tomorrow',
      customer_id: customerId,
    })
    expect(sms.twilio.accepted().map((r) => [r.to, r.body])).toEqual([['+15125550123', 'Your pump-out is tomorrow']])
    const rows = await allCommunications(testApp.database)
    expect(rows.at(-1)).toMatchObject({ peerAddress: '+15125550123', userId: user.id })
  })

  test('two names of one thing with different values: 422 naming the second, nothing sent', async () => {
    const cases: [unknown, string[]][] = [
      [{ to: '+15125550123', to_phone: '+15125550124', body: 'x' }, ['to_phone']],
      [{ to_phone: '+15125550123', conversation_id: '+15125550199', message: 'x' }, ['conversation_id']],
      [{ to: '+15125550123', body: 'one', message: 'two' }, ['message']],
      [{ to: '+15125550123', message: 'one', content: 'two', to_number: 'nope' }, ['to_number', 'content']],
      [{ to: '+15125550123' }, ['body']],
    ]
    for (const [body, fields] of cases) {
      const answer = await send(body)
      expect({ body, status: answer.status, fields: answer.body.errors?.map((e: { field: string }) => e.field) }).toEqual({
        body,
        status: 422,
        fields,
      })
    }
    // The same number written two ways, or the same text twice, is one thing.
    expect((await send({ to: '+1 512 555 0123', to_phone: '5125550123', body: 'same', message: 'same' })).status).toBe(201)
    expect(sms.twilio.accepted()).toHaveLength(1)
  })

  test('opt-outs and errors are the same whatever the names', async () => {
    await new OptOutService(testApp.database).set('+15125550188', true)
    const refused = await send({ to_phone: '+15125550188', message: 'hello' })
    expect(refused).toEqual({ status: 409, body: { detail: 'Recipient has opted out of SMS' } })
    sms.twilio.respondWith({ kind: 'error', httpStatus: 400, code: 21211, message: 'Invalid To' })
    expect((await send({ conversation_id: '+15125550177', content: 'hello' })).status).toBe(502)
    expect((await send({ to_phone: '+15125550177', message: 'hello', customer_id: '999999' })).status).toBe(404)
    expect(sms.twilio.requests).toHaveLength(1)
  })
})
