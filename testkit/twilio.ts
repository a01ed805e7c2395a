/** The one Twilio account the test apps, the benchmarks and the fake Twilio agree on, and how Twilio signs a webhook. */
import twilio from 'twilio'
import { startFakeTwilio, type FakeTwilio } from './fakes/twilio'

export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`
export const AUTH_TOKEN = 'fake-twilio-auth-token-0123456789'
export const SENDER = '+15005550006'

/** The app's Twilio settings pointed at a fake. */
export function twilioEnv(fake: FakeTwilio, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: SENDER,
    TWILIO_API_BASE_URL: fake.url,
    TWILIO_TIMEOUT_MS: '2000',
    ...extra,
  }
}

export function fakeTwilio(): FakeTwilio {
  return startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN })
}

/** Form parameters as sent: pairs, so a name may repeat. */
export type Pairs = [string, string][]

/** The params shape Twilio signs: a repeated name becomes an array of its values. */
export function signingParams(pairs: Pairs): Record<string, string | string[]> {
  // No prototype: a parameter named __proto__ is signed like any other.
  const params: Record<string, string | string[]> = Object.create(null)
  for (const [name, value] of pairs) {
    const existing = params[name]
    if (existing === undefined) params[name] = value
    else if (Array.isArray(existing)) existing.push(value)
    else params[name] = [existing, value]
  }
  return params
}

/** Twilio's own signature (the `twilio` package is the oracle) for this URL and these parameters. */
export function sign(url: string, pairs: Pairs, token = AUTH_TOKEN): string {
  return twilio.getExpectedTwilioSignature(token, url, signingParams(pairs))
}

export function formBody(pairs: Pairs): string {
  return new URLSearchParams(pairs).toString()
}
