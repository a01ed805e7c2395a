import { expect } from 'bun:test'
import { Secret, TOTP } from 'otpauth'
import { expectBody, type TestApp, type TestUser } from '../helpers/harness'
import { cookiesOf, login, loginBody } from './support'

/** What an authenticator app shows for this secret at `timestamp`. */
export function totpCode(secret: string, timestamp = Date.now()): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp })
}

/** Setup + enable through the API; returns the secret, the recovery codes and the step time used. */
export async function enrol(testApp: TestApp, user: TestUser, at = Date.now()) {
  const twoFactor = testApp.client(user).api.v2.auth['2fa']
  const { secret } = expectBody(await twoFactor.setup.post({ password: user.password }), 200)
  const { recovery_codes } = expectBody(await twoFactor.enable.post({ code: totpCode(secret, at) }), 200)
  return { secret, recoveryCodes: recovery_codes, at }
}

/** The password step of a two-factor account: the challenge. */
export async function challengeFor(testApp: TestApp, email: string, password: string): Promise<string> {
  const response = await login(testApp, email, password)
  expect(response.status).toBe(200)
  expect(cookiesOf(response)).toEqual({})
  const body = await loginBody(response)
  if (!('challenge' in body)) throw new Error('no second-factor challenge')
  expect(body.two_factor_required).toBe(true)
  return body.challenge
}

export function verify(testApp: TestApp, challenge: string, code: string) {
  return testApp.request('POST', '/api/v2/auth/2fa/verify', { json: { challenge, code } })
}
