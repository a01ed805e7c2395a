import { load, type Scenario } from '../lib'
import { loginOverHttp } from '../../tests/helpers/spawn'

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
    const token = await loginOverHttp(server.url, EMAIL, PASSWORD)
    return [await load('GET /api/v2/auth/me (Bearer)', { url: `${server.url}/api/v2/auth/me`, headers: { authorization: `Bearer ${token}` } })]
  },
}
