import type { Config } from '../../config'
import { requestPath } from '../../http/request-path'
import type { Role } from '../permissions'

export const TWO_FACTOR_REQUIRED_DETAIL = 'Two-factor authentication required'

/** What a user without the required second factor may still reach: who am I, enrol, leave. */
function exempt(path: string): boolean {
  return (
    path === '/api/v2/auth/me' ||
    path.startsWith('/api/v2/auth/2fa/') ||
    path === '/api/v2/auth/logout' ||
    path.startsWith('/api/v2/auth/logout-')
  )
}

export function twoFactorRequired(config: Config, role: Role): boolean {
  return config.requireTwoFactorFor.includes(role)
}

/** REQUIRE_2FA_FOR names the role, the user has not enrolled, and the route is not one of the few exempt ones. */
export function twoFactorMissing(config: Config, role: Role, request: Request): boolean {
  if (config.requireTwoFactorFor.length === 0 || !twoFactorRequired(config, role)) return false
  return !exempt(requestPath(request.url))
}
