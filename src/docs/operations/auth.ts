import { TOKEN, USER } from '../samples'
import type { OperationTable } from './types'

const LOGIN = { email: 'maria.lopez@acme-plumbing.com', password: 'plumb-lines-and-levels' }

export const AUTH_OPERATIONS: OperationTable = {
  'POST /api/v2/auth/login': {
    request: LOGIN,
    responses: {
      '200': { description: 'Signed in: the access token in the body and both session cookies set', example: TOKEN },
      '401': { description: 'Unknown email or wrong password (the same answer for both)', example: { detail: 'Incorrect email or password' } },
      '403': { description: 'The account is disabled', example: { detail: 'User account is disabled' } },
      '429': { description: 'Too many failed attempts for this account; wait Retry-After seconds', example: { detail: 'Too many failed login attempts. Retry after 840 seconds.' } },
    },
  },
  'GET /api/v2/auth/me': {
    description: 'The account behind the presented token or session cookie, with its effective role and permissions.',
    responses: { '200': { description: 'The signed-in user', example: { user: USER } } },
  },
  'POST /api/v2/auth/refresh': {
    responses: {
      '200': { description: 'New access and refresh tokens; both cookies replaced', example: TOKEN },
      '401': { description: 'No refresh cookie, or an expired, revoked or already-used one', example: { detail: 'Could not validate credentials' } },
      '403': { description: 'The request came from a site that is neither this server nor FRONTEND_URL', example: { detail: 'Cross-site request rejected' } },
    },
  },
  'POST /api/v2/auth/logout': {
    responses: { '200': { description: 'This session is revoked and both cookies cleared', example: { message: 'Successfully logged out' } } },
  },
  'POST /api/v2/auth/logout-all': {
    description: 'Revokes every access and refresh token of the signed-in user, on every device, and clears this browser’s cookies.',
    responses: { '200': { description: 'Every session of the user is revoked and both cookies cleared', example: { message: 'Logged out of all sessions' } } },
  },
  'POST /api/v2/auth/change-password': {
    request: { current_password: 'plumb-lines-and-levels', new_password: 'copper pipes hum at dawn' },
    responses: {
      '204': { description: 'Changed; every other session of the user is ended' },
      '400': { description: 'The current password is wrong', example: { detail: 'Current password is incorrect' } },
      '429': { description: 'Too many wrong current passwords: the account’s login throttle is locked', example: { detail: 'Too many failed login attempts. Retry after 840 seconds.' } },
    },
  },
}
