import type { Config } from '../config'
import { REFRESH_COOKIE, SESSION_COOKIE } from './plugin'
import { assertOriginMayWriteCookies } from './request-guards'
import type { Caller } from './service'
import type { IssuedSession } from './sessions'

/**
 * The browser sends the refresh cookie only below this path: to the auth
 * routes, where refresh and logout read it (tests/docs/route-security.test.ts
 * checks that it covers them).
 */
export const REFRESH_COOKIE_PATH = '/api/v2/auth'

interface CookieJar {
  [name: string]: { set(options: Record<string, unknown>): unknown }
}

/** Elysia's jar makes a cookie on first access, so every name has one. */
function jarCookie(cookie: CookieJar, name: string) {
  const found = cookie[name]
  if (!found) throw new Error(`no ${name} cookie in the jar`)
  return found
}

function base(config: Config, path: string) {
  // Secure only in production: browsers drop Secure cookies on plain-http development hosts.
  // COOKIE_SAMESITE=none (an SPA on another site) is refused at start-up unless cookies are Secure.
  return { httpOnly: true, sameSite: config.cookieSameSite, path, secure: config.isProduction }
}

export function setSessionCookies(cookie: CookieJar, session: IssuedSession, config: Config): void {
  jarCookie(cookie, SESSION_COOKIE).set({ ...base(config, '/'), value: session.accessToken, maxAge: session.expiresIn })
  const refreshSeconds = Math.max(1, Math.round((session.refreshExpiresAt.getTime() - Date.now()) / 1000))
  jarCookie(cookie, REFRESH_COOKIE).set({ ...base(config, REFRESH_COOKIE_PATH), value: session.refreshToken, maxAge: refreshSeconds })
}

export function clearSessionCookies(cookie: CookieJar, config: Config): void {
  const gone = { value: '', maxAge: 0, expires: new Date(0) }
  jarCookie(cookie, SESSION_COOKIE).set({ ...base(config, '/'), ...gone })
  jarCookie(cookie, REFRESH_COOKIE).set({ ...base(config, REFRESH_COOKIE_PATH), ...gone })
}

/**
 * A step that can start a session (login, the two-factor step): it must come
 * from an origin allowed to write the cookies, and the cookies are set when a
 * session starts. `step` gets the caller to record with the session.
 */
export async function signInStep<Result extends { session?: IssuedSession; body: unknown }>(
  input: { request: Request; cookie: CookieJar; clientIp: string },
  config: Config,
  step: (caller: Caller) => Promise<Result>,
): Promise<Result['body']> {
  assertOriginMayWriteCookies(input.request, config)
  const result = await step({ ip: input.clientIp, userAgent: input.request.headers.get('user-agent') })
  if (result.session) setSessionCookies(input.cookie, result.session, config)
  return result.body
}
