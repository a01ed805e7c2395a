import { expect, test } from 'bun:test'
import { describeEachDialect, expectBody } from '../helpers/harness'
import { insertCustomer, useSmsApp } from '../communications/support'
import { INCOMING, STATUS, inboundPairs, postSigned } from './signing'
import { ACCOUNT_SID, AUTH_TOKEN, type Pairs } from '../../testkit/twilio'

const PUBLIC_URL = 'https://crm.example.com'

/** The send route, the fake Twilio and the webhooks together: what an office actually sees. */
describeEachDialect('SMS round trip through the webhooks', (dialect) => {
  const sms = useSmsApp(dialect, { PUBLIC_URL }, { roles: ['user'] })
  const { testApp } = sms
  const { user } = testApp.users

  const send = (to: string, body = 'Your table is ready') => testApp.client(user).api.v2.communications.sms.send.post({ to, body })
  // Twilio signs with the account's auth token, for the URL it was given (PUBLIC_URL + path).
  const twilioPost = (path: string, pairs: Pairs) =>
    postSigned(testApp, path, pairs, { signedUrl: `${PUBLIC_URL}${path}`, token: AUTH_TOKEN })
  const history = async (id: number) => expectBody(await testApp.client(user).api.v2.customers({ id }).communications.get(), 200).items

  test('STOP blocks sending (409, nothing handed to Twilio); START allows it again', async () => {
    const phone = '+14155550150'
    const customerId = await insertCustomer(testApp.database, { phone })
    expect((await send(phone)).status).toBe(201)

    const stop = await twilioPost(INCOMING, inboundPairs({ From: phone, To: '+15005550006', Body: ' Stop ' }))
    expect(stop.status).toBe(200)
    const customer = await testApp.request('GET', `/api/v2/customers/${customerId}`, { token: user.token })
    expect(await customer.json()).toMatchObject({ sms_opt_out: true })

    const before = sms.twilio.requests.length
    const refused = await send(phone)
    expect(refused.status).toBe(409)
    expect(refused.error?.value).toEqual({ detail: 'Recipient has opted out of SMS' })
    expect(sms.twilio.requests.length).toBe(before)

    expect((await twilioPost(INCOMING, inboundPairs({ From: phone, Body: 'unstop' }))).status).toBe(200)
    expect((await send(phone)).status).toBe(201)
    const items = await history(customerId)
    expect(
      items
        .filter((i) => i.direction === 'inbound')
        .map((i) => i.content)
        .sort(),
    ).toEqual([' Stop ', 'unstop'])
  })

  test("a sent message follows Twilio's status callbacks forward only", async () => {
    const phone = '+14155550151'
    const customerId = await insertCustomer(testApp.database, { phone })
    const sent = expectBody(await send(phone), 201)
    const sid = sent.external_id!
    for (const status of ['sent', 'delivered', 'sent', 'sending']) {
      const response = await twilioPost(STATUS, [
        ['MessageSid', sid],
        ['MessageStatus', status],
        ['To', phone],
        ['AccountSid', ACCOUNT_SID],
      ])
      expect(response.status).toBe(200)
    }
    const row = (await history(customerId)).find((i) => i.external_id === sid)
    expect(row?.status).toBe('delivered')
  })

  test('a 21610 failure callback opts the number out of further sends', async () => {
    const phone = '+14155550152'
    const sent = expectBody(await send(phone), 201)
    const response = await twilioPost(STATUS, [
      ['MessageSid', sent.external_id!],
      ['MessageStatus', 'failed'],
      ['ErrorCode', '21610'],
      ['AccountSid', ACCOUNT_SID],
    ])
    expect(response.status).toBe(200)
    expect((await send(phone)).status).toBe(409)
  })
})
