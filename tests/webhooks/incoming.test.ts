import { beforeAll, expect, test } from 'bun:test'
import { OptOutService } from '../../src/optouts/service'
import { describeEachDialect, useTestApp } from '../helpers/harness'
import { INCOMING, communicationBySid, communicationCount, inboundPairs, newSid, postSigned } from './signing'
import { AUTH_TOKEN, type Pairs } from '../../testkit/twilio'

describeEachDialect('Twilio inbound SMS webhook', (dialect) => {
  const testApp = useTestApp(dialect, { env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN } })
  let optOuts: OptOutService
  let number = 0
  /** A distinct valid US number per test, so opt-out state never leaks between tests. */
  const freshPhone = () => `+1415555${String(1000 + ++number).padStart(4, '0')}`

  beforeAll(async () => {
    optOuts = new OptOutService(testApp.database)
  })

  async function addCustomer(phone: string | null, deleted = false) {
    const now = new Date()
    const [row] = await testApp.database.db
      .insert(testApp.database.tables.customers)
      .values({ firstName: 'Ada', lastName: 'Lovelace', phone, createdAt: now, updatedAt: now, deletedAt: deleted ? now : null })
      .returning({ id: testApp.database.tables.customers.id })
    return row!.id
  }

  test('stores the message and answers empty TwiML', async () => {
    const from = freshPhone()
    const pairs = inboundPairs({ From: from, To: '+15005550001', Body: 'Is my order ready?' })
    const sid = pairs.find(([k]) => k === 'MessageSid')![1]
    const response = await postSigned(testApp, INCOMING, pairs)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toStartWith('text/xml')
    expect(await response.text()).toBe('<Response></Response>')
    const [row] = await communicationBySid(testApp, sid)
    expect(row).toMatchObject({
      type: 'sms',
      direction: 'inbound',
      status: 'received',
      fromAddress: from,
      toAddress: '+15005550001',
      content: 'Is my order ready?',
      externalId: sid,
      customerId: null,
      userId: null,
    })
    expect(row!.mediaUrls ?? []).toEqual([])
    expect(await testApp.ctx.metrics.render()).toMatch(/crm_messages_total\{channel="sms",direction="inbound",status="received"\} [1-9]/)
  })

  test('the message body never reaches the log', async () => {
    const from = testApp.logs.lines.length
    await postSigned(testApp, INCOMING, inboundPairs({ From: freshPhone(), Body: 'my secret door code 4242' }))
    expect(testApp.logs.lines.slice(from).join('')).not.toContain('door code')
  })

  test('a Twilio retry of the same MessageSid is stored once and still answered 200', async () => {
    const pairs = inboundPairs({ From: freshPhone() })
    const sid = pairs.find(([k]) => k === 'MessageSid')![1]
    const before = await communicationCount(testApp)
    for (let i = 0; i < 3; i++) {
      const response = await postSigned(testApp, INCOMING, pairs)
      expect(response.status).toBe(200)
      expect(await response.text()).toBe('<Response></Response>')
    }
    expect(await communicationBySid(testApp, sid)).toHaveLength(1)
    expect(await communicationCount(testApp)).toBe(before + 1)
  })

  test('concurrent deliveries of one MessageSid are stored once', async () => {
    const pairs = inboundPairs({ From: freshPhone() })
    const sid = pairs.find(([k]) => k === 'MessageSid')![1]
    const responses = await Promise.all(Array.from({ length: 8 }, () => postSigned(testApp, INCOMING, pairs)))
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200))
    expect(await communicationBySid(testApp, sid)).toHaveLength(1)
  })

  test('many distinct messages at once: each stored once, linked to its own customer, all answered', async () => {
    const senders = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const phone = freshPhone()
        return {
          phone,
          customerId: i % 2 === 0 ? await addCustomer(phone) : null,
          pairs: inboundPairs({ From: phone, Body: `message ${i}` }),
        }
      }),
    )
    const responses = await Promise.all(senders.map((s) => postSigned(testApp, INCOMING, s.pairs)))
    expect(responses.map((r) => r.status)).toEqual(Array(senders.length).fill(200))
    for (const [i, s] of senders.entries()) {
      const rows = await communicationBySid(testApp, s.pairs.find(([k]) => k === 'MessageSid')![1])
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ fromAddress: s.phone, customerId: s.customerId, content: `message ${i}` })
    }
  })

  test('linked to the live customer with that number, matched in E.164', async () => {
    const phone = freshPhone()
    await addCustomer(phone, true) // deleted: never linked
    const customerId = await addCustomer(phone)
    const national = `(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`
    const pairs = inboundPairs({ From: national })
    const response = await postSigned(testApp, INCOMING, pairs)
    expect(response.status).toBe(200)
    const [row] = await communicationBySid(testApp, pairs.find(([k]) => k === 'MessageSid')![1])
    expect(row!.customerId).toBe(customerId)
    expect(row!.fromAddress).toBe(phone)
  })

  test('a sender that is not a phone number is stored as given', async () => {
    const pairs = inboundPairs({ From: 'whatsapp:+14155550100' })
    expect((await postSigned(testApp, INCOMING, pairs)).status).toBe(200)
    const [row] = await communicationBySid(testApp, pairs.find(([k]) => k === 'MessageSid')![1])
    expect(row!.fromAddress).toBe('whatsapp:+14155550100')
    expect(row!.customerId).toBeNull()
  })

  test('media URLs MediaUrl0..N-1 are kept in order', async () => {
    const pairs: Pairs = [
      ...inboundPairs({ From: freshPhone(), Body: '', NumMedia: '2' }),
      ['MediaUrl1', 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2'],
      ['MediaContentType0', 'image/jpeg'],
      ['MediaUrl0', 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1'],
    ]
    expect((await postSigned(testApp, INCOMING, pairs)).status).toBe(200)
    const [row] = await communicationBySid(testApp, pairs.find(([k]) => k === 'MessageSid')![1])
    expect(row!.mediaUrls).toEqual([
      'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
      'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2',
    ])
    expect(row!.content).toBe('')
  })

  for (const body of ['STOP', ' stop ', 'Stop', 'STOPALL', 'unsubscribe', 'Cancel', 'END', 'quit', 'REVOKE', 'optout']) {
    test(`"${body}" opts the number out; "unstop"/"START"/"yes" opt it back in`, async () => {
      const phone = freshPhone()
      const customerId = await addCustomer(phone)
      expect((await postSigned(testApp, INCOMING, inboundPairs({ From: phone, Body: body }))).status).toBe(200)
      expect(await optOuts.isOptedOut(phone)).toBe(true)
      expect(customerId).toBeGreaterThan(0)
      const optIn = ['unstop', 'START', ' yes '][number % 3]!
      expect((await postSigned(testApp, INCOMING, inboundPairs({ From: phone, Body: optIn }))).status).toBe(200)
      expect(await optOuts.isOptedOut(phone)).toBe(false)
    })
  }

  test('an opt-out is kept per number even when no customer has it', async () => {
    const phone = freshPhone()
    await postSigned(testApp, INCOMING, inboundPairs({ From: phone.replace('+1', ''), Body: 'STOP' }))
    expect(await optOuts.isOptedOut(phone)).toBe(true)
  })

  test('keywords inside a sentence do nothing', async () => {
    const phone = freshPhone()
    await postSigned(testApp, INCOMING, inboundPairs({ From: phone, Body: 'please stop by tomorrow' }))
    await postSigned(testApp, INCOMING, inboundPairs({ From: phone, Body: "Don't stop" }))
    expect(await optOuts.isOptedOut(phone)).toBe(false)
  })

  test("Twilio's OptOutType decides when present (Advanced Opt-Out keywords)", async () => {
    const phone = freshPhone()
    await postSigned(testApp, INCOMING, inboundPairs({ From: phone, Body: 'ARRET', OptOutType: 'STOP' }))
    expect(await optOuts.isOptedOut(phone)).toBe(true)
    await postSigned(testApp, INCOMING, inboundPairs({ From: phone, Body: 'REPRENDRE', OptOutType: 'START' }))
    expect(await optOuts.isOptedOut(phone)).toBe(false)
  })

  test('a late retry of an old STOP does not undo a later START', async () => {
    const phone = freshPhone()
    const stop = inboundPairs({ From: phone, Body: 'STOP' })
    await postSigned(testApp, INCOMING, stop)
    await postSigned(testApp, INCOMING, inboundPairs({ From: phone, Body: 'START' }))
    await postSigned(testApp, INCOMING, stop)
    expect(await optOuts.isOptedOut(phone)).toBe(false)
  })

  test('a missing MessageSid is 400, nothing stored', async () => {
    const before = await communicationCount(testApp)
    const pairs = inboundPairs({ From: freshPhone() }).filter(([k]) => k !== 'MessageSid')
    const response = await postSigned(testApp, INCOMING, pairs)
    expect(response.status).toBe(400)
    expect(await communicationCount(testApp)).toBe(before)
  })

  test('a trailing slash on the path works when Twilio signed it that way', async () => {
    const path = `${INCOMING}/`
    const response = await postSigned(testApp, path, inboundPairs({ MessageSid: newSid() }), { signedUrl: `http://localhost${path}` })
    expect(response.status).toBe(200)
  })
})
