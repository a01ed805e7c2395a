import { load, type Scenario } from '../lib'

const EMAIL = 'bench-admin@example.com'
const PASSWORD = 'bench admin password'

/**
 * The cost of authentication on every request: GET /api/v2/auth/me with a
 * Bearer token (JWT check + one prepared user/session lookup). Target: at
 * least 0.6 x /health on the same server.
 */
export const auth: Scenario = {
  name: 'auth',
  // The first-start bootstrap creates this superuser on the empty database.
  env: { ADMIN_EMAIL: EMAIL, ADMIN_PASSWORD: PASSWORD },
  async run(server) {
    const response = await fetch(`${server.url}/api/v2/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    })
    if (response.status !== 200) throw new Error(`bench login failed: ${response.status} ${await response.text()}`)
    const { access_token: token } = (await response.json()) as { access_token: string }
    return [await load('GET /api/v2/auth/me (Bearer)', { url: `${server.url}/api/v2/auth/me`, headers: { authorization: `Bearer ${token}` } })]
  },
}
