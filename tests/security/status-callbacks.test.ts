import { expect, test } from 'bun:test'
import { describeEachDialect, useTestApp } from '../helpers/harness'
import { STATUS, communicationBySid, newSid, postSigned } from '../webhooks/signing'
import { ACCOUNT_SID, AUTH_TOKEN } from '../../testkit/twilio'

const TWILIO_STATUSES = [
  'accepted',
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'receiving',
  'received',
  'read',
  'canceled',
  'partially_delivered',
]

/** Twilio retries any non-2xx callback until it gives up: every status it sends must be answered 200. */
describeEachDialect('status callbacks accept every Twilio status and never go backwards', (dialect) => {
  const testApp = useTestApp(dialect, { env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN }, timeout: 30_000 })

  async function outbound(status: string) {
    const sid = newSid()
    const now = new Date()
    await testApp.database.db.insert(testApp.database.tables.communications).values({
      type: 'sms',
      direction: 'outbound',
      status,
      toAddress: '+14155550190',
      fromAddress: '+15005550001',
      content: 'x',
      externalId: sid,
      createdAt: now,
      updatedAt: now,
    })
    return sid
  }

  async function callback(sid: string, status: string) {
    const response = await postSigned(testApp, STATUS, [
      ['MessageSid', sid],
      ['MessageStatus', status],
      ['AccountSid', ACCOUNT_SID],
    ])
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  }

  const statusOf = async (sid: string) => (await communicationBySid(testApp, sid))[0]!.status

  test.each(TWILIO_STATUSES)('%p is accepted (200) and applied to a message still being accepted', async (status) => {
    const sid = await outbound('accepted')
    await callback(sid, status)
    expect(await statusOf(sid)).toBe(status)
  })

  test('scheduled, then canceled: final', async () => {
    const sid = await outbound('accepted')
    for (const status of ['scheduled', 'canceled', 'queued', 'sent']) await callback(sid, status)
    expect(await statusOf(sid)).toBe('canceled')
  })

  test('the documented order holds for a late or repeated callback', async () => {
    const sid = await outbound('accepted')
    for (const status of [
      'queued',
      'accepted',
      'scheduled',
      'sending',
      'queued',
      'sent',
      'sending',
      'partially_delivered',
      'sent',
      'delivered',
      'read',
      'delivered',
    ]) {
      await callback(sid, status)
    }
    expect(await statusOf(sid)).toBe('read')
  })

  test('an unknown status is stored as sent, and a late known one cannot then move the message back', async () => {
    const sid = await outbound('queued')
    await callback(sid, 'sent')
    await callback(sid, 'Teleported')
    expect(await statusOf(sid)).toBe('Teleported')
    // Late callbacks from before it: ignored.
    await callback(sid, 'sending')
    await callback(sid, 'sent')
    expect(await statusOf(sid)).toBe('Teleported')
    // A final status replaces it.
    await callback(sid, 'delivered')
    expect(await statusOf(sid)).toBe('delivered')
  })

  test('an unknown status never replaces a final one', async () => {
    const sid = await outbound('delivered')
    await callback(sid, 'teleported')
    expect(await statusOf(sid)).toBe('delivered')
  })

  test('an absurdly long unknown status is still 200, stored cut to 64 characters', async () => {
    const sid = await outbound('sent')
    await callback(sid, 'x'.repeat(300))
    expect(await statusOf(sid)).toBe('x'.repeat(64))
  })

  test('an unknown status on an unknown sid: 200, nothing stored', async () => {
    await callback(newSid(), 'teleported')
  })
})
