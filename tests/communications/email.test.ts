import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { createTestApp, describeEachDialect, errorBody, errorFields, expectBody, useTestApp, type AppClient } from '../helpers/harness'
import { closedSmtpUrl, startFakeSmtp, startSilentSmtp, type FakeSmtp } from '../../testkit/fakes/smtp'
import { EmailSender, EmailSendError } from '../../src/email/sender'
import { normalizeEmailAddress } from '../../src/email/address'
import { allCommunications, insertCustomer } from './support'

/** Generous: each PostgreSQL test app is a fresh database, and CI machines are shared. */
const SLOW = 30_000

const SEND = '/api/v2/communications/email/send'
const FROM = 'CRM Office <office@example.com>'

describeEachDialect('e-mail sending', (dialect) => {
  let smtp: FakeSmtp
  beforeAll(async () => {
    smtp = await startFakeSmtp({ username: 'mailer', password: 'mail-pass' })
  })
  afterAll(() => smtp.close())
  const testApp = useTestApp(dialect, { env: () => ({ SMTP_URL: smtp.url, EMAIL_FROM: FROM }), roles: ['user'], timeout: SLOW })
  const { user } = testApp.users
  afterEach(() => {
    smtp.messages.length = 0
    smtp.rejectRecipients(null)
    smtp.rejectData(null)
  })

  /** Raw, for payloads the API must refuse. */
  const send = (payload: unknown) => testApp.request('POST', SEND, { token: user.token, json: payload })
  const sendEmail = (payload: Parameters<AppClient['api']['v2']['communications']['email']['send']['post']>[0]) =>
    testApp.client(user).api.v2.communications.email.send.post(payload)

  test(
    'a send goes over SMTP (with AUTH) and is recorded as sent',
    async () => {
      const body = expectBody(
        await sendEmail({ to: 'Grace@Example.COM', subject: 'Your invoice', body: 'Hello Grace,\nthe invoice is attached.' }),
        201,
      )
      expect(body).toMatchObject({
        type: 'email',
        direction: 'outbound',
        status: 'sent',
        to_address: 'Grace@example.com',
        from_address: FROM,
        subject: 'Your invoice',
        content: 'Hello Grace,\nthe invoice is attached.',
        user_id: user.id,
        customer_id: null,
      })
      expect(body.external_id).toMatch(/^<.+@.+>$/)
      expect(smtp.messages).toHaveLength(1)
      const mail = smtp.messages[0]!
      expect(mail.from).toBe('office@example.com')
      expect(mail.to).toEqual(['Grace@example.com'])
      expect(mail.raw).toContain('Subject: Your invoice')
      expect(mail.raw).toContain('the invoice is attached.')
    },
    SLOW,
  )

  test(
    'customer_id sends to the customer address and links; a matching `to` links too',
    async () => {
      const id = await insertCustomer(testApp.database, { email: 'Linus@Example.org' })
      const byId = await send({ customer_id: id, subject: 's', body: 'b' })
      expect(byId.status).toBe(201)
      expect(await byId.json()).toMatchObject({ customer_id: id, to_address: 'Linus@example.org' })
      const byAddress = await sendEmail({ to: 'linus@example.org', subject: 's', body: 'b' })
      expect(expectBody(byAddress, 201).customer_id).toBe(id)
      const noEmail = await insertCustomer(testApp.database, { phone: '+14155550150' })
      const missing = await send({ customer_id: noEmail, subject: 's', body: 'b' })
      expect(missing.status).toBe(422)
      const unknown = await send({ customer_id: 987654, subject: 's', body: 'b' })
      expect(unknown.status).toBe(404)
      expect(await unknown.json()).toEqual({ detail: 'Customer not found' })
    },
    SLOW,
  )

  test(
    'an invalid address is 422 naming to',
    async () => {
      for (const to of [
        'not-an-address',
        'a@b',
        'two@@example.com',
        'x@example.com, y@example.com',
        'evil@example.com\r\nBcc: z@example.com',
        '',
      ]) {
        const response = await send({ to, subject: 's', body: 'b' })
        expect(response.status).toBe(422)
        expect(await errorFields(response)).toContain('to')
      }
      expect((await send({ subject: 's', body: 'b' })).status).toBe(422)
      expect(smtp.messages).toHaveLength(0)
    },
    SLOW,
  )

  test(
    'subject 1..998 single-line, body 1..100000',
    async () => {
      const fields = async (r: Response) => await errorFields(r)
      const bad = [
        [{ subject: '', body: 'b' }, 'subject'],
        [{ subject: '  ', body: 'b' }, 'subject'],
        [{ subject: 'x'.repeat(999), body: 'b' }, 'subject'],
        [{ subject: 'line\nbreak', body: 'b' }, 'subject'],
        [{ subject: 's', body: '' }, 'body'],
        [{ subject: 's', body: 'x'.repeat(100_001) }, 'body'],
      ] as const
      for (const [payload, field] of bad) {
        const response = await send({ to: 'a@example.com', ...payload })
        expect(response.status).toBe(422)
        expect(await fields(response)).toContain(field)
      }
      expect((await send({ to: 'a@example.com', subject: 'x'.repeat(998), body: 'x'.repeat(100_000) })).status).toBe(201)
    },
    SLOW,
  )

  test(
    'an SMTP refusal is 502 "Email provider error: ..." and the failed record is kept',
    async () => {
      smtp.rejectRecipients({ code: 550, message: 'Mailbox unavailable' })
      const before = (await allCommunications(testApp.database)).length
      const response = await send({ to: 'nobody@example.com', subject: 's', body: 'b' })
      expect(response.status).toBe(502)
      const detail = (await errorBody(response)).detail
      expect(detail).toStartWith('Email provider error: ')
      expect(detail).toContain('Mailbox unavailable')
      const rows = await allCommunications(testApp.database)
      expect(rows).toHaveLength(before + 1)
      expect(rows.at(-1)).toMatchObject({ type: 'email', status: 'failed', errorCode: '550', toAddress: 'nobody@example.com' })
    },
    SLOW,
  )

  test(
    'a refused message body is a 502 too',
    async () => {
      smtp.rejectData({ code: 554, message: 'Message rejected as spam' })
      const response = await send({ to: 'someone@example.com', subject: 's', body: 'b' })
      expect(response.status).toBe(502)
      expect((await errorBody(response)).detail).toContain('Message rejected as spam')
    },
    SLOW,
  )

  test(
    'an unreachable server is 502 with a failed record',
    async () => {
      const other = await createTestApp(dialect, { env: { SMTP_URL: await closedSmtpUrl(), EMAIL_FROM: FROM } })
      const someone = await other.createUser('user')
      const response = await other.request('POST', SEND, { token: someone.token, json: { to: 'a@example.com', subject: 's', body: 'b' } })
      expect(response.status).toBe(502)
      expect(await response.json()).toEqual({ detail: 'Email provider error: the mail server could not be reached' })
      expect(await allCommunications(other.database)).toEqual([expect.objectContaining({ status: 'failed', errorCode: 'unreachable' })])
      await other.close()
    },
    SLOW,
  )

  test(
    'wrong SMTP credentials are a 502 naming authentication',
    async () => {
      const url = smtp.url.replace('mail-pass', 'wrong')
      const other = await createTestApp(dialect, { env: { SMTP_URL: url, EMAIL_FROM: FROM } })
      const someone = await other.createUser('user')
      const response = await other.request('POST', SEND, { token: someone.token, json: { to: 'a@example.com', subject: 's', body: 'b' } })
      expect(response.status).toBe(502)
      expect(await response.json()).toEqual({ detail: 'Email provider error: authentication with the mail server failed' })
      await other.close()
    },
    SLOW,
  )

  test(
    'no SMTP configured: 503 "Email is not configured", nothing recorded',
    async () => {
      const other = await createTestApp(dialect)
      const someone = await other.createUser('user')
      const response = await other.request('POST', SEND, { token: someone.token, json: { to: 'a@example.com', subject: 's', body: 'b' } })
      expect(response.status).toBe(503)
      expect(await response.json()).toEqual({ detail: 'Email is not configured', hint: 'Set SMTP_URL and EMAIL_FROM, then restart' })
      expect(await allCommunications(other.database)).toHaveLength(0)
      await other.close()
    },
    SLOW,
  )

  test(
    'addresses and bodies stay out of the logs',
    async () => {
      await send({ to: 'private.person@example.com', subject: 'secret subject', body: 'very private body' })
      smtp.rejectRecipients({ code: 550, message: 'no' })
      await send({ to: 'private.person@example.com', subject: 'secret subject', body: 'very private body' })
      expect(testApp.logs.text).not.toContain('private.person')
      expect(testApp.logs.text).not.toContain('very private body')
      expect(testApp.logs.text).not.toContain('mail-pass')
    },
    SLOW,
  )
})

describe('EmailSender timeouts', () => {
  test(
    'a server that never greets is given up on within the bound',
    async () => {
      const silent = await startSilentSmtp()
      const sender = new EmailSender(silent.url, 'office@example.com', { timeoutMs: 300 })
      const started = performance.now()
      const error = await sender.send({ to: 'a@example.com', subject: 's', text: 'b' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(EmailSendError)
      expect((error as EmailSendError).kind).toBe('timeout')
      expect((error as EmailSendError).message).toBe('the mail server did not respond in time')
      expect(performance.now() - started).toBeLessThan(2000)
      sender.close()
      await silent.close()
    },
    SLOW,
  )
})

describe('normalizeEmailAddress', () => {
  test(
    'accepts plain addresses and lower-cases the domain only',
    () => {
      expect(normalizeEmailAddress(' Ada.L+crm@Example.CO.uk ')).toBe('Ada.L+crm@example.co.uk')
      expect(normalizeEmailAddress('x@xn--bcher-kva.example')).toBe('x@xn--bcher-kva.example')
    },
    SLOW,
  )
  test(
    'rejects display names, lists, header injection and junk',
    () => {
      for (const bad of [
        'Ada <ada@example.com>',
        'a@example.com,b@example.com',
        'a@example.com\nBcc: b@example.com',
        'a..b@example.com',
        '.a@example.com',
        'a@-example.com',
        'a@example',
        'a@example.c0m',
        `${'a'.repeat(65)}@example.com`,
      ]) {
        expect(normalizeEmailAddress(bad)).toBeUndefined()
      }
    },
    SLOW,
  )
})
