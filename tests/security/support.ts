import { expect } from 'bun:test'
import { SignJWT } from 'jose'
import { bodyAs, signedIn, TEST_SECRET, type Api, type TestApp } from '../helpers/harness'

export const ORIGIN_OK = { origin: 'http://localhost:5173' }

/** Signs arbitrary claims the way an attacker or a bug might. */
export async function signToken(claims: Record<string, unknown>, options: { secret?: string; expiresIn?: number; issuedAt?: number } = {}) {
  const now = Math.floor(Date.now() / 1000)
  const iat = options.issuedAt ?? now
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expiresIn ?? 1800))
    .sign(new TextEncoder().encode(options.secret ?? TEST_SECRET))
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** An unsigned token (`alg: none`). */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`
}

export function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
}

/** Every Set-Cookie header, by cookie name. */
export function cookiesOf(response: Response): Record<string, { value: string; attributes: string[]; raw: string }> {
  const out: Record<string, { value: string; attributes: string[]; raw: string }> = {}
  for (const raw of response.headers.getSetCookie()) {
    const [pair, ...attributes] = raw.split(';').map((part) => part.trim())
    const index = pair!.indexOf('=')
    out[pair!.slice(0, index)] = { value: pair!.slice(index + 1), attributes, raw }
  }
  return out
}

export async function login(testApp: TestApp, email: string, password: string, headers: Record<string, string> = {}) {
  return testApp.request('POST', '/api/v2/auth/login', { json: { email, password }, headers })
}

/** The body of a raw login answer, typed as the route declares it. */
export function loginBody(response: Response) {
  return bodyAs<Api['auth']['login']['post']>(response)
}

/** Logs in and returns the bearer token and both cookies. */
export async function loginOk(testApp: TestApp, email: string, password: string) {
  const response = await login(testApp, email, password)
  expect(response.status).toBe(200)
  const body = signedIn(await loginBody(response))
  const cookies = cookiesOf(response)
  return { body, token: body.access_token, session: cookies.session!.value, refresh: cookies.refresh!.value }
}

/** 401 with the one credentials message and the Bearer challenge. */
export async function expectUnauthorized(response: Response) {
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toBe('Bearer')
  expect(await response.json()).toEqual({ detail: 'Could not validate credentials' })
}
