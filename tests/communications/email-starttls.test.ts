import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startFakeSmtp, type FakeSmtp } from '../../testkit/fakes/smtp'
import { EmailSender, EmailSendError } from '../../src/email/sender'
import { lookup } from 'node:dns/promises'
import { hostname } from 'node:os'

// This machine's name, when it resolves to the loopback address the fake listens on.
const hostAlias = await lookup(hostname(), { family: 4 })
  .then((r) => (r.address === '127.0.0.1' ? hostname() : undefined))
  .catch(() => undefined)

// A relay offering STARTTLS with a self-signed certificate, as office relays often do.
let smtp: FakeSmtp
beforeAll(async () => {
  smtp = await startFakeSmtp({ starttls: true, username: 'mailer', password: 'mail-pass' })
})
afterAll(() => smtp.close())

test('a loopback relay with a self-signed STARTTLS certificate is used', async () => {
  const sender = new EmailSender(smtp.url, 'office@example.com', { timeoutMs: 5000 })
  await sender.send({ to: 'ann@example.com', subject: 'Hello', text: 'Over STARTTLS' })
  expect(smtp.messages).toHaveLength(1)
  expect(smtp.messages[0]!.to).toEqual(['ann@example.com'])
})

test.skipIf(!hostAlias)('the same relay reached by a non-loopback name has its certificate verified', async () => {
  // 127.0.0.1 under another name: the self-signed certificate is now refused.
  const url = smtp.url.replace('127.0.0.1', hostAlias!)
  const sender = new EmailSender(url, 'office@example.com', { timeoutMs: 5000 })
  const error = await sender.send({ to: 'bob@example.com', subject: 'Hello', text: 'x' }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(EmailSendError)
  expect((error as EmailSendError).kind).toBe('tls')
  expect(smtp.messages.some((m) => m.to.includes('bob@example.com'))).toBe(false)
})
