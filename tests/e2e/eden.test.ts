import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { treaty } from '@elysiajs/eden'
import type { App } from '../../src/app'
import { startServer, type RunningServer } from '../helpers/spawn'
import { TEST_SECRET } from '../helpers/harness'

const ADMIN_EMAIL = 'eden-admin@example.com'
const ADMIN_PASSWORD = 'marble fern lantern'

describe('Eden Treaty client typed from the App type', () => {
  let server: RunningServer
  let api: ReturnType<typeof treaty<App>>

  beforeAll(async () => {
    server = await startServer({ env: { SECRET_KEY: TEST_SECRET, ADMIN_EMAIL, ADMIN_PASSWORD } })
    api = treaty<App>(server.url)
  }, 30_000)
  afterAll(async () => {
    expect(await server.stop()).toBe(0)
  })

  test('health', async () => {
    const { data, error, status } = await api.health.get()
    expect(error).toBeNull()
    expect(status).toBe(200)
    // Typed: `data.version` is a string here, no cast.
    const version: string | undefined = data?.version
    expect(version).toBeString()
    expect(data).toMatchObject({ status: 'ok', database: 'ok' })
  })

  test('login, then /me with the bearer token; errors come back typed too', async () => {
    const login = await api.api.v2.auth.login.post({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
    expect(login.status).toBe(200)
    if (!login.data || 'two_factor_required' in login.data) throw new Error('no login data')
    const token: string = login.data.access_token
    expect(login.data.token_type).toBe('bearer')
    expect(login.data.user.email).toBe(ADMIN_EMAIL)

    const me = await api.api.v2.auth.me.get({ headers: { authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    expect(me.data?.user.role).toBe('superuser')

    const denied = await api.api.v2.auth.me.get()
    expect(denied.status).toBe(401)
    expect(denied.error?.value).toEqual({ detail: 'Could not validate credentials' })

    const wrong = await api.api.v2.auth.login.post({ email: ADMIN_EMAIL, password: 'not-the-password' })
    expect(wrong.status).toBe(401)
    expect(wrong.error?.value).toEqual({ detail: 'Incorrect email or password' })
  }, 20_000)
})
