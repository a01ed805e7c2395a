import { expect, test } from 'bun:test'
import { OptOutService } from '../../src/optouts/service'
import { describeEachDialect, useTestApp } from '../helpers/harness'
import { STATUS, communicationBySid, newSid, postSigned } from './signing'
import { ACCOUNT_SID, AUTH_TOKEN, type Pairs } from '../../testkit/twilio'

describeEachDialect('Twilio status callback webhook', (dialect) => {
  const testApp = useTestApp(dialect, { env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN } })

  async function outbound(status = 'queued', to = '+14155550123', direction = 'outbound') {
    const sid = newSid()
    const now = new Date()
    await testApp.database.db.insert(testApp.database.tables.communications).values({
      type: 'sms',
      direction,
      status,
      toAddress: to,
      fromAddress: '+15005550001',
      content: 'Your order is ready',
      externalId: sid,
      createdAt: now,
      updatedAt: now,
    })
    return sid
  }

  async function callback(sid: string, status: string, extra: Pairs = []) {
    const response = await postSigned(testApp, STATUS, [
      ['MessageSid', sid],
      ['MessageStatus', status],
      ['AccountSid', ACCOUNT_SID],
      ...extra,
    ])
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toStartWith('application/json')
    expect(await response.json()).toEqual({ status: 'ok' })
  }

  const statusOf = async (sid: string) => (await communicationBySid(testApp, sid))[0]!.status

  test('moves forward through queued, sending, sent, delivered, read', async () => {
    const sid = await outbound()
    for (const status of ['sending', 'sent', 'delivered', 'read']) {
      await callback(sid, status)
      expect(await statusOf(sid)).toBe(status)
    }
  })

  test('a late "sent" after "delivered" is ignored; "read" after "delivered" applies', async () => {
    const sid = await outbound()
    await callback(sid, 'delivered')
    await callback(sid, 'sent')
    await callback(sid, 'queued')
    expect(await statusOf(sid)).toBe('delivered')
    await callback(sid, 'read')
    expect(await statusOf(sid)).toBe('read')
    await callback(sid, 'delivered')
    expect(await statusOf(sid)).toBe('read')
  })

  test('one terminal status never replaces another', async () => {
    const sid = await outbound('sent')
    await callback(sid, 'undelivered', [['ErrorCode', '30003']])
    await callback(sid, 'delivered')
    expect(await statusOf(sid)).toBe('undelivered')
  })

  test('SmsStatus is accepted when MessageStatus is absent; status names in any case', async () => {
    const sid = await outbound()
    const response = await postSigned(testApp, STATUS, [
      ['SmsSid', sid],
      ['SmsStatus', 'Sent'],
      ['AccountSid', ACCOUNT_SID],
    ])
    expect(response.status).toBe(200)
    expect(await statusOf(sid)).toBe('sent')
  })

  test('callbacks arriving all at once in any order end at the highest status', async () => {
    const sid = await outbound()
    await Promise.all(['delivered', 'sending', 'sent', 'queued', 'sent', 'sending'].map((s) => callback(sid, s)))
    expect(await statusOf(sid)).toBe('delivered')
  })

  test('a status Twilio may add later is stored as sent, after "sent" and before the final statuses', async () => {
    const sid = await outbound('sent')
    await callback(sid, 'teleported')
    expect(await statusOf(sid)).toBe('teleported')
    await callback(sid, 'sent')
    expect(await statusOf(sid)).toBe('teleported')
    await callback(sid, 'failed')
    expect(await statusOf(sid)).toBe('failed')
  })

  test('"accepted" (stored at send time through a Messaging Service) is replaced by any later status', async () => {
    const sid = await outbound('accepted')
    await callback(sid, 'queued')
    expect(await statusOf(sid)).toBe('queued')
  })

  test('ErrorCode and ErrorMessage are kept', async () => {
    const sid = await outbound('sent')
    await callback(sid, 'failed', [
      ['ErrorCode', '30008'],
      ['ErrorMessage', 'Unknown error'],
    ])
    const [row] = await communicationBySid(testApp, sid)
    expect(row).toMatchObject({ status: 'failed', errorCode: '30008', errorMessage: 'Unknown error' })
  })

  test('ErrorCode 21610 (recipient replied STOP) opts the number out', async () => {
    const optOuts = new OptOutService(testApp.database)
    const sid = await outbound('queued', '+14155550999')
    expect(await optOuts.isOptedOut('+14155550999')).toBe(false)
    await callback(sid, 'failed', [['ErrorCode', '21610']])
    expect(await optOuts.isOptedOut('+14155550999')).toBe(true)
    expect(await statusOf(sid)).toBe('failed')
  })

  test('other error codes do not opt the number out', async () => {
    const optOuts = new OptOutService(testApp.database)
    const sid = await outbound('queued', '+14155550998')
    await callback(sid, 'undelivered', [['ErrorCode', '30003']])
    expect(await optOuts.isOptedOut('+14155550998')).toBe(false)
  })

  test('an unknown sid is answered 200 and changes nothing', async () => {
    const sid = await outbound('sent')
    await callback(newSid(), 'delivered', [['ErrorCode', '21610']])
    expect(await statusOf(sid)).toBe('sent')
  })

  test('an inbound message with that sid is never touched', async () => {
    const sid = await outbound('received', '+15005550001', 'inbound')
    await callback(sid, 'delivered')
    expect(await statusOf(sid)).toBe('received')
  })

  test('a signed callback without MessageSid is 400, without a status 422', async () => {
    const missingSid = await postSigned(testApp, STATUS, [
      ['MessageStatus', 'sent'],
      ['AccountSid', ACCOUNT_SID],
    ])
    expect(missingSid.status).toBe(400)
    expect(await missingSid.json()).toEqual({ detail: 'MessageSid is required' })
    const missingStatus = await postSigned(testApp, STATUS, [
      ['MessageSid', newSid()],
      ['AccountSid', ACCOUNT_SID],
    ])
    expect(missingStatus.status).toBe(422)
  })
})
