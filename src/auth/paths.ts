/** Where the auth routes are mounted. */
export const AUTH_PREFIX = '/api/v2/auth'

/** A path under the auth routes, whether a route matches it or not. */
export function isAuthPath(path: string): boolean {
  return path === AUTH_PREFIX || path.startsWith(`${AUTH_PREFIX}/`)
}
