import type autocannon from 'autocannon'
import twilio from 'twilio'
import { DURATION_SECONDS, load, type Scenario } from '../lib'

const AUTH_TOKEN = 'bench-twilio-auth-token-0123456789abcdef'
const PUBLIC_URL = 'https://crm.bench.example'
const INCOMING = '/webhooks/twilio/incoming'

/** Enough distinct messages that every request is a real insert, not a duplicate. */
function presignedIncoming(count: number) {
  const signed: { body: string; signature: string }[] = []
  const run = Date.now().toString(16)
  for (let i = 0; i < count; i++) {
    const params: Record<string, string> = {
      MessageSid: `SM${`${run}${i.toString(16).padStart(8, '0')}`.padStart(32, '0')}`,
      AccountSid: 'AC00000000000000000000000000000000',
      From: `+1415555${String(i % 10_000).padStart(4, '0')}`,
      To: '+15005550001',
      Body: i % 50 === 0 ? 'STOP' : `Message number ${i}`,
      NumMedia: '0',
      FromCity: 'SAN FRANCISCO',
    }
    signed.push({
      body: new URLSearchParams(params).toString(),
      signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + INCOMING, params),
    })
  }
  return signed
}

/**
 * Signed inbound-SMS webhooks (signature check, opt-out keyword check,
 * customer lookup, insert) and rejected ones, against /health on the same server.
 */
export const webhooks: Scenario = {
  name: 'webhooks',
  env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_URL },
  async run(server) {
    const pool = presignedIncoming(Math.min(400_000, Math.max(20_000, DURATION_SECONDS * 25_000)))
    let next = 0
    const signed = await load('POST /webhooks/twilio/incoming (signed, new MessageSid)', {
      url: `${server.url}${INCOMING}`,
      method: 'POST',
      requests: [
        {
          setupRequest(request: autocannon.Request) {
            const message = pool[next++ % pool.length]!
            request.body = message.body
            request.headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': message.signature }
            return request
          },
        },
      ],
    })
    const rejected = await load('POST /webhooks/twilio/incoming (bad signature, 403)', {
      url: `${server.url}${INCOMING}`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' },
      body: pool[0]!.body,
    })
    if (next > pool.length) console.log(`note: ${next - pool.length} signed requests reused a MessageSid (stored once)`)
    return [signed, rejected]
  },
}
