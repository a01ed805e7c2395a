import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { describeEachDialect, useTestApp, type TestApp } from '../helpers/harness'
import { OptOutService } from '../../src/optouts/service'
import { INCOMING, STATUS, communicationCount, inboundPairs, newSid, postSigned } from '../webhooks/signing'
import { ACCOUNT_SID, AUTH_TOKEN, sign, type Pairs } from '../../testkit/twilio'

const PHONE = '+14155550177'

/** The body exactly as given (no re-encoding), signed as Twilio signs `pairs`. */
function postRaw(testApp: TestApp, path: string, body: string, signedAs: Pairs) {
  return testApp.request('POST', path, {
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(`http://localhost${path}`, signedAs) },
  })
}

describeEachDialect('signed webhooks must carry well-formed Twilio ids', (dialect) => {
  const testApp = useTestApp(dialect, { env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_ACCOUNT_SID: ACCOUNT_SID }, timeout: 30_000 })
  let optOuts: OptOutService
  beforeAll(async () => {
    optOuts = new OptOutService(testApp.database)
  }, 30_000)

  test('a captured START re-cut (MessageSid=X&NumMedia=0 -> MessageSid=XNumMedia0) signs the same but is refused after STOP', async () => {
    const start = newSid()
    // The original START, then the STOP that follows it.
    const startPairs = inboundPairs({ MessageSid: start, From: PHONE, Body: 'START', NumMedia: '0' })
    expect((await postSigned(testApp, INCOMING, startPairs)).status).toBe(200)
    expect((await postSigned(testApp, INCOMING, inboundPairs({ From: PHONE, Body: 'STOP' }))).status).toBe(200)
    expect(await optOuts.isOptedOut(PHONE)).toBe(true)
    const stored = await communicationCount(testApp)

    // The replay: NumMedia's name and value moved into MessageSid's value. Same concatenation, same signature.
    const recut = startPairs
      .filter(([name]) => name !== 'NumMedia')
      .map(([name, value]): [string, string] => (name === 'MessageSid' ? [name, `${value}NumMedia0`] : [name, value]))
    expect(sign(`http://localhost${INCOMING}`, recut)).toBe(sign(`http://localhost${INCOMING}`, startPairs))
    const response = await postRaw(testApp, INCOMING, new URLSearchParams(recut).toString(), startPairs)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ detail: 'MessageSid is not a Twilio message id' })
    expect(await optOuts.isOptedOut(PHONE)).toBe(true)
    expect(await communicationCount(testApp)).toBe(stored)
  })

  const refused: [string, Record<string, string | undefined>, string][] = [
    ['no MessageSid', { MessageSid: undefined }, 'MessageSid is required'],
    ['a MessageSid in upper-case hex', { MessageSid: `SM${'AB'.repeat(16)}` }, 'MessageSid is not a Twilio message id'],
    ['a MessageSid one digit short', { MessageSid: `SM${'a'.repeat(31)}` }, 'MessageSid is not a Twilio message id'],
    ['an account id as MessageSid', { MessageSid: `AC${'a'.repeat(32)}` }, 'MessageSid is not a Twilio message id'],
    ['SmsSid differing from MessageSid', { SmsSid: newSid() }, 'MessageSid, SmsSid and SmsMessageSid differ'],
    ['a malformed SmsMessageSid', { SmsMessageSid: 'SM1' }, 'MessageSid is not a Twilio message id'],
    ['no AccountSid', { AccountSid: undefined }, 'AccountSid is required'],
    ['a malformed AccountSid', { AccountSid: 'AC1' }, 'AccountSid is not a Twilio account id'],
    ['another account', { AccountSid: `AC${'f'.repeat(32)}` }, 'AccountSid is not this account'],
  ]

  test.each(refused)('incoming with %s: 400, nothing stored, no opt-out change', async (_name, overrides, detail) => {
    const phone = `+1415555${String(1000 + refused.findIndex(([n]) => n === _name)).padStart(4, '0')}`
    const before = await communicationCount(testApp)
    const response = await postSigned(testApp, INCOMING, inboundPairs({ From: phone, Body: 'STOP', ...overrides }))
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ detail })
    expect(await communicationCount(testApp)).toBe(before)
    expect(await optOuts.isOptedOut(phone)).toBe(false)
  })

  test('a repeated MessageSid with two values is refused', async () => {
    const pairs: Pairs = [...inboundPairs({ From: PHONE }), ['MessageSid', newSid()]]
    const response = await postSigned(testApp, INCOMING, pairs)
    expect(response.status).toBe(400)
  })

  test('the status callback checks the same ids and changes nothing', async () => {
    const sid = newSid()
    const now = new Date()
    await testApp.database.db.insert(testApp.database.tables.communications).values({
      type: 'sms',
      direction: 'outbound',
      status: 'sent',
      toAddress: '+14155550178',
      fromAddress: '+15005550001',
      content: 'x',
      externalId: sid,
      createdAt: now,
      updatedAt: now,
    })
    const response = await postSigned(testApp, STATUS, [
      ['MessageSid', `${sid}x`],
      ['MessageStatus', 'delivered'],
      ['AccountSid', ACCOUNT_SID],
    ])
    expect(response.status).toBe(400)
    const wrongAccount = await postSigned(testApp, STATUS, [
      ['MessageSid', sid],
      ['MessageStatus', 'delivered'],
      ['AccountSid', `AC${'1'.repeat(32)}`],
    ])
    expect(wrongAccount.status).toBe(400)
    const [row] = await testApp.database.db
      .select()
      .from(testApp.database.tables.communications)
      .where(eq(testApp.database.tables.communications.externalId, sid))
    expect(row!.status).toBe('sent')
  })

  test('well-formed ids pass: SM and MM, with SmsSid and SmsMessageSid equal', async () => {
    const sms = newSid()
    expect((await postSigned(testApp, INCOMING, inboundPairs({ MessageSid: sms, SmsSid: sms, SmsMessageSid: sms }))).status).toBe(200)
    expect(
      (
        await postSigned(
          testApp,
          INCOMING,
          inboundPairs({ MessageSid: newSid('MM'), NumMedia: '1', MediaUrl0: 'https://example.com/a.jpg' }),
        )
      ).status,
    ).toBe(200)
  })

  test('an unsigned malformed request is still 403, not 400', async () => {
    const response = await postSigned(testApp, INCOMING, inboundPairs({ MessageSid: 'SM1' }), { signature: null })
    expect(response.status).toBe(403)
  })
})

describe('without TWILIO_ACCOUNT_SID', () => {
  const testApp = useTestApp('sqlite', { env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN } })

  test('any well-formed AccountSid is accepted; a malformed one is not', async () => {
    expect((await postSigned(testApp, INCOMING, inboundPairs({ AccountSid: `AC${'e'.repeat(32)}` }))).status).toBe(200)
    expect((await postSigned(testApp, INCOMING, inboundPairs({ AccountSid: 'ACxyz' }))).status).toBe(400)
  })
})
