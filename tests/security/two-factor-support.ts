import { expect } from 'bun:test'
import { Secret, TOTP } from 'otpauth'
import type { TestApp, TestUser } from '../helpers/harness'
import { cookiesOf, login } from './support'

/** What an authenticator app shows for this secret at `timestamp`. */
export function totpCode(secret: string, timestamp = Date.now()): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp })
}

/** Setup + enable through the API; returns the secret, the recovery codes and the step time used. */
export async function enrol(testApp: TestApp, user: TestUser, at = Date.now()) {
  const setup = await testApp.request('POST', '/api/v2/auth/2fa/setup', { token: user.token, json: { password: user.password } })
  expect(setup.status).toBe(200)
  const { secret } = (await setup.json()) as { secret: string }
  const enable = await testApp.request('POST', '/api/v2/auth/2fa/enable', { token: user.token, json: { code: totpCode(secret, at) } })
  expect(enable.status).toBe(200)
  const { recovery_codes } = (await enable.json()) as { recovery_codes: string[] }
  return { secret, recoveryCodes: recovery_codes, at }
}

/** The password step of a two-factor account: the challenge. */
export async function challengeFor(testApp: TestApp, email: string, password: string): Promise<string> {
  const response = await login(testApp, email, password)
  expect(response.status).toBe(200)
  expect(cookiesOf(response)).toEqual({})
  const body = (await response.json()) as { two_factor_required: boolean; challenge: string }
  expect(body.two_factor_required).toBe(true)
  return body.challenge
}

export function verify(testApp: TestApp, challenge: string, code: string) {
  return testApp.request('POST', '/api/v2/auth/2fa/verify', { json: { challenge, code } })
}
