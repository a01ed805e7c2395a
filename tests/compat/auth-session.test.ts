import { beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { describeEachDialect, expectBody, useTestApp, type TestUser } from '../helpers/harness'
import { cookiesOf, decodeClaims, signToken } from '../security/support'
import { SPA_ORIGIN, spaClient, spaHeaders } from './spa'

const API = '/api/v2'

/** Replays the SPA's auth traffic: login, /me, the 401 → refresh → retry dance, parallel refreshes, logout. */
describeEachDialect('the React CRM SPA signs in and stays signed in', (dialect) => {
  const testApp = useTestApp(dialect, { env: { FRONTEND_URL: SPA_ORIGIN } })
  let user: TestUser
  beforeAll(async () => {
    user = await testApp.createUser('user', { fullName: 'Ada Lovelace' })
  })

  /** A browser's cookie jar for the API's origin, fed by Set-Cookie. */
  function jar() {
    const cookies: Record<string, string> = {}
    return {
      cookies,
      take(response: Response) {
        for (const [name, cookie] of Object.entries(cookiesOf(response))) {
          if (cookie.value === '' || cookie.attributes.includes('Max-Age=0')) delete cookies[name]
          else cookies[name] = cookie.value
        }
      },
      /** What the browser sends to a path: the refresh cookie only under /api/v2/auth. */
      for(path: string) {
        const sent = { ...cookies }
        if (!path.startsWith(`${API}/auth`)) delete sent.refresh
        return sent
      },
    }
  }

  async function spaLogin() {
    const browser = jar()
    const login = await spaClient(testApp).api.v2.auth.login.post({ email: user.email, password: user.password })
    const body = expectBody(login, 200)
    if (!('access_token' in body)) throw new Error('a second factor was asked for')
    browser.take(login.response)
    // The SPA keeps this in localStorage and sends it as a Bearer header from now on.
    return { browser, stored: body.access_token, body }
  }

  /** The same session's access token, as it looks once its lifetime is over. */
  async function expiredCopy(token: string) {
    const { sub, sid } = decodeClaims(token)
    return signToken(
      { sub, sid, jti: crypto.randomUUID(), type: 'access' },
      { issuedAt: Math.floor(Date.now() / 1000) - 3600, expiresIn: 1800 },
    )
  }

  const refresh = async (browser: ReturnType<typeof jar>) =>
    await spaClient(testApp).api.v2.auth.refresh.post(undefined, { headers: spaHeaders({ cookies: browser.for(`${API}/auth/refresh`) }) })

  test('login, then /me with the stored Bearer token', async () => {
    const { browser, stored, body } = await spaLogin()
    expect(body.user.email).toBe(user.email)
    expect(Object.keys(browser.cookies).sort()).toEqual(['refresh', 'session'])
    const me = await testApp.request('GET', `${API}/auth/me`, {
      headers: spaHeaders({ token: stored, cookies: browser.for(`${API}/auth/me`) }),
    })
    expect(me.status).toBe(200)
    expect(me.headers.get('access-control-allow-origin')).toBe(SPA_ORIGIN)
    expect(await me.json()).toMatchObject({ user: { id: user.id } })
  })

  test('expired Bearer: 401, refresh (answer ignored), retry with the same expired header succeeds by the cookie', async () => {
    const { browser } = await spaLogin()
    const stale = await expiredCopy(browser.cookies.session!)
    // The session cookie expired together with the token it holds.
    delete browser.cookies.session
    const first = await testApp.request('GET', `${API}/auth/me`, {
      headers: spaHeaders({ token: stale, cookies: browser.for(`${API}/auth/me`) }),
    })
    expect(first.status).toBe(401)

    const refreshed = await refresh(browser)
    expect(refreshed.status).toBe(200)
    browser.take(refreshed.response)

    const retry = await testApp.request('GET', `${API}/auth/me`, {
      headers: spaHeaders({ token: stale, cookies: browser.for(`${API}/auth/me`) }),
    })
    expect(retry.status).toBe(200)
    expect(await retry.json()).toMatchObject({ user: { id: user.id } })
    // Unsafe requests too, from the SPA's origin (the cookie rules apply).
    const logoutAll = await testApp.request('POST', `${API}/auth/logout-all`, {
      headers: spaHeaders({ token: stale, cookies: browser.for(`${API}/auth/logout-all`) }),
    })
    expect(logoutAll.status).toBe(200)
  })

  test('three requests fail at once and refresh in parallel: all 200, and the tokens they got work', async () => {
    const { browser } = await spaLogin()
    const results = await Promise.all([refresh(browser), refresh(browser), refresh(browser)])
    expect(results.map((r) => r.status)).toEqual([200, 200, 200])
    for (const { data, response } of results) {
      expect((await testApp.request('GET', `${API}/auth/me`, { headers: spaHeaders({ token: data!.access_token }) })).status).toBe(200)
      expect(
        (
          await testApp.request('GET', `${API}/auth/me`, {
            headers: spaHeaders({ cookies: { session: cookiesOf(response).session!.value } }),
          })
        ).status,
      ).toBe(200)
    }
    // Whichever answer the browser kept last, its refresh cookie goes on working.
    for (const { response } of results) {
      const next = jar()
      next.take(response)
      const again = await refresh(next)
      expect(again.status).toBe(200)
      browser.take(again.response)
    }
    expect((await refresh(browser)).status).toBe(200)
  })

  test('logout with an expired Bearer token and the cookies: 200, cookies cleared, the refresh family ended', async () => {
    const { browser } = await spaLogin()
    const stale = await expiredCopy(browser.cookies.session!)
    const kept = { ...browser.cookies }
    delete browser.cookies.session
    const response = await testApp.request('POST', `${API}/auth/logout`, {
      headers: spaHeaders({ token: stale, cookies: browser.for(`${API}/auth/logout`) }),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ message: 'Successfully logged out' })
    const cleared = cookiesOf(response)
    expect(cleared.session!.value).toBe('')
    expect(cleared.refresh!.value).toBe('')
    expect(
      (await testApp.request('POST', `${API}/auth/refresh`, { headers: spaHeaders({ cookies: { refresh: kept.refresh! } }) })).status,
    ).toBe(401)
    expect((await testApp.request('GET', `${API}/auth/me`, { headers: spaHeaders({ cookies: { session: kept.session! } }) })).status).toBe(
      401,
    )
  })

  test('logout with only the refresh cookie ends that family', async () => {
    const { browser } = await spaLogin()
    const response = await testApp.request('POST', `${API}/auth/logout`, {
      headers: spaHeaders({ cookies: { refresh: browser.cookies.refresh! } }),
    })
    expect(response.status).toBe(200)
    expect(cookiesOf(response).refresh!.value).toBe('')
    expect((await refresh(browser)).status).toBe(401)
    expect(
      (await testApp.request('GET', `${API}/auth/me`, { headers: spaHeaders({ cookies: { session: browser.cookies.session! } }) })).status,
    ).toBe(401)
    const { auditLog } = testApp.database.tables
    const rows = await testApp.database.db.select().from(auditLog).where(eq(auditLog.action, 'auth.logout'))
    expect(rows.some((row) => row.userId === user.id)).toBe(true)
  })

  test('logout with nothing at all still answers 200 and clears both cookies', async () => {
    const response = await testApp.request('POST', `${API}/auth/logout`, { headers: spaHeaders() })
    expect(response.status).toBe(200)
    const cleared = cookiesOf(response)
    expect(cleared.session!.value).toBe('')
    expect(cleared.refresh!.value).toBe('')
  })

  test('logout with a valid Bearer token ends only that session', async () => {
    const a = await spaLogin()
    const b = await spaLogin()
    const response = await testApp.request('POST', `${API}/auth/logout`, {
      headers: spaHeaders({ token: a.stored, cookies: a.browser.for(`${API}/auth/logout`) }),
    })
    expect(response.status).toBe(200)
    expect((await testApp.request('GET', `${API}/auth/me`, { headers: spaHeaders({ token: a.stored }) })).status).toBe(401)
    expect((await testApp.request('GET', `${API}/auth/me`, { headers: spaHeaders({ token: b.stored }) })).status).toBe(200)
  })
})
