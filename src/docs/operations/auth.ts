import { SESSION, TOKEN, USER } from '../samples'
import type { OperationTable } from './types'
import { refusal } from './refusal'

const CHALLENGE = { two_factor_required: true, challenge: 'lc_6q3Vd0lYbq1xZ0m4Q9kT2wHh8Pn5Rj7s' }
const RECOVERY_CODES = [
  'k7m2p-q9x4t',
  'b3n8r-w5c2j',
  'h6v9d-f2k7m',
  'p4t8x-n3q6w',
  'r9c5j-m2v8b',
  'x2w7k-t6p3n',
  'd8f4h-q5r9c',
  'm3j6v-b8x2t',
  'w5n9p-k4d7f',
  't2q8c-r6h3j',
]
const WRONG_PASSWORD = refusal('The current password is wrong (counts against the login throttle)', 'Current password is incorrect')
const THROTTLED = refusal(
  'Too many wrong passwords or codes: the account’s login throttle is locked; wait Retry-After seconds',
  'Too many failed login attempts. Retry after 840 seconds.',
)
const LOGIN = { email: 'maria.lopez@acme-plumbing.com', password: 'plumb-lines-and-levels' }

export const AUTH_OPERATIONS: OperationTable = {
  'POST /api/v2/auth/login': {
    request: LOGIN,
    requestTypes: ['application/json'],
    responses: {
      '200': {
        description:
          'Signed in (the access token in the body, both session cookies set), or, for an account with two-factor sign-in, a challenge for POST /api/v2/auth/2fa/verify and no cookie',
        examples: {
          signedIn: { summary: 'Signed in', value: TOKEN },
          twoFactor: { summary: 'Two-factor sign-in: send a code with the challenge', value: CHALLENGE },
        },
      },
      '401': refusal('Unknown email or wrong password (the same answer for both)', 'Incorrect email or password'),
      '403': refusal(
        'The account is disabled, or the request came from a site that is neither this server nor FRONTEND_URL',
        'User account is disabled',
      ),
      '415': refusal(
        'The body is not application/json (a form post from another site cannot log anyone in)',
        'Content-Type must be application/json',
      ),
      '429': refusal(
        'Too many failed attempts for this account; wait Retry-After seconds',
        'Too many failed login attempts. Retry after 840 seconds.',
      ),
    },
  },
  'GET /api/v2/auth/me': {
    description: 'The account behind the presented token or session cookie, with its effective role and permissions.',
    responses: { '200': { description: 'The signed-in user', example: { user: USER, two_factor: { enabled: false, required: false } } } },
  },
  'POST /api/v2/auth/refresh': {
    responses: {
      '200': { description: 'New access and refresh tokens; both cookies replaced', example: TOKEN },
      '401': refusal('No refresh cookie, or an expired, revoked or already-used one', 'Could not validate credentials'),
      '403': refusal('The request came from a site that is neither this server nor FRONTEND_URL', 'Cross-site request rejected'),
    },
  },
  'POST /api/v2/auth/logout': {
    responses: {
      '200': {
        description: 'The named session is revoked (if any) and both cookies cleared',
        example: { message: 'Successfully logged out' },
      },
      '403': refusal('Only cookies identify the session and the request came from another site', 'Cross-site request rejected'),
    },
  },
  'POST /api/v2/auth/logout-all': {
    description: 'Revokes every access and refresh token of the signed-in user, on every device, and clears this browser’s cookies.',
    responses: {
      '200': {
        description: 'Every session of the user is revoked and both cookies cleared',
        example: { message: 'Logged out of all sessions' },
      },
    },
  },
  'POST /api/v2/auth/change-password': {
    request: { current_password: 'plumb-lines-and-levels', new_password: 'copper pipes hum at dawn' },
    responses: {
      '204': { description: 'Changed; every other session of the user is ended' },
      '400': WRONG_PASSWORD,
      '429': THROTTLED,
    },
  },
  'POST /api/v2/auth/2fa/verify': {
    request: { challenge: CHALLENGE.challenge, code: '492039' },
    responses: {
      '200': { description: 'Signed in: the access token in the body and both session cookies set', example: TOKEN },
      '401': refusal('A wrong code, or a challenge that is unknown, expired or used', 'Invalid two-factor code'),
      '403': refusal('The account was disabled meanwhile', 'User account is disabled'),
      '429': THROTTLED,
    },
  },
  'POST /api/v2/auth/2fa/setup': {
    request: { password: 'plumb-lines-and-levels' },
    responses: {
      '200': {
        description: 'A new secret to add to an authenticator app (nothing changes at login yet)',
        example: {
          secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
          otpauth_uri:
            'otpauth://totp/CRM:maria.lopez%40acme-plumbing.com?issuer=CRM&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
          qr_code: 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=',
        },
      },
      '400': WRONG_PASSWORD,
      '409': refusal('Two-factor sign-in is already on', 'Two-factor authentication is already enabled'),
      '429': THROTTLED,
    },
  },
  'POST /api/v2/auth/2fa/enable': {
    request: { code: '492039' },
    responses: {
      '200': {
        description: 'Two-factor sign-in is on; the recovery codes are shown only now',
        example: { recovery_codes: RECOVERY_CODES },
      },
      '400': refusal('The code does not match the pending secret', 'Invalid two-factor code'),
      '409': refusal('No pending setup, or two-factor sign-in is already on', 'No pending setup: call POST /api/v2/auth/2fa/setup first'),
      '429': THROTTLED,
    },
  },
  'POST /api/v2/auth/2fa/disable': {
    request: { password: 'plumb-lines-and-levels', code: '492039' },
    responses: {
      '204': { description: 'Two-factor sign-in is off; the secret and the recovery codes are forgotten' },
      '400': refusal('A wrong password or code', 'Invalid two-factor code'),
      '409': refusal('Two-factor sign-in is not on', 'Two-factor authentication is not enabled'),
      '429': THROTTLED,
    },
  },
  'POST /api/v2/auth/2fa/recovery-codes': {
    request: { code: '492039' },
    responses: {
      '200': { description: 'Ten new recovery codes; the old ones no longer work', example: { recovery_codes: RECOVERY_CODES } },
      '400': refusal('A wrong code', 'Invalid two-factor code'),
      '409': refusal('Two-factor sign-in is not on', 'Two-factor authentication is not enabled'),
      '429': THROTTLED,
    },
  },
  'POST /api/v2/auth/password-reset': {
    request: { email: 'maria.lopez@acme-plumbing.com' },
    responses: {
      '202': {
        description: 'Accepted; the same answer whether or not the address has an account',
        example: { message: 'If the address belongs to an active account, a reset link is on its way' },
      },
      '429': refusal(
        'Too many reset requests from this client address; wait Retry-After seconds',
        'Too many password reset requests. Retry after 1800 seconds.',
      ),
      '503': refusal('SMTP_URL or EMAIL_FROM is not configured, so no link can be sent', 'Email is not configured'),
    },
  },
  'POST /api/v2/auth/password-reset/confirm': {
    request: { token: 'pr_Xb8f3kQ2mV7nR1tY6wZ0cL4hJ9sD5gA', new_password: 'copper pipes hum at dawn' },
    responses: {
      '204': { description: 'The password is set; every session of the user ends' },
      '400': refusal('The token is unknown, expired, used, or replaced by a newer one', 'Invalid or expired reset token'),
    },
  },
  'GET /api/v2/auth/sessions': {
    responses: {
      '200': {
        description: 'The live sessions, newest first',
        example: {
          items: [
            SESSION,
            {
              ...SESSION,
              id: '7c1d9e3f-2a4b-4c5d-8e6f-1a2b3c4d5e6f',
              created_at: '2026-05-30T18:02:11.000Z',
              ip: '198.51.100.7',
              user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148',
              current: false,
            },
          ],
        },
      },
    },
  },
  'DELETE /api/v2/auth/sessions/{id}': {
    responses: {
      '204': { description: 'The session is ended' },
      '404': refusal('Not a live session of the signed-in user', 'Session not found'),
    },
  },
}
