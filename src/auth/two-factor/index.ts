import { Elysia } from 'elysia'
import type { AppContext } from '../../context'
import { requestContext } from '../../http/request-context'
import { signInStep } from '../cookies'
import { AuthModel } from '../model'
import { authPlugin } from '../plugin'
import type { AuthService } from '../service'
import { TwoFactorModel } from './model'
import { TwoFactorService } from './service'

const tags = ['Authentication']

/** /api/v2/auth/2fa/*: mounted inside the auth routes, sharing their login service and throttle. */
export function twoFactorRoutes(ctx: AppContext, auth: AuthService) {
  const service = new TwoFactorService(ctx, auth)
  return new Elysia({ name: 'two-factor-routes', seed: ctx.id, prefix: '/2fa' })
    .use(requestContext(ctx))
    .use(authPlugin(ctx))
    .post(
      '/verify',
      // The last step of a login writes the session cookies: the same Origin rule as login.
      ({ request, cookie, clientIp, body }) =>
        signInStep({ request, cookie, clientIp }, ctx.config, (caller) => service.verifyLogin(body.challenge, body.code, caller)),
      {
        body: TwoFactorModel.verify,
        response: { 200: AuthModel.token, 401: AuthModel.error, 403: AuthModel.error, 429: AuthModel.error },
        detail: {
          tags,
          security: [],
          summary: 'Second login step: the challenge and a code',
          description:
            'Completes a login whose password step answered `two_factor_required`: same answer and cookies as a plain login. `code` is a 6-digit authenticator code (each accepted once) or an unused recovery code. 401 `Invalid two-factor code` (the challenge stays usable until it expires) or `Invalid or expired two-factor challenge` (5 minutes, one completed login). Wrong codes count against the account’s login throttle (429 with Retry-After).',
        },
      },
    )
    .post('/setup', ({ user, body, clientIp }) => service.setup(user, body.password, { ip: clientIp }), {
      auth: true,
      body: TwoFactorModel.password,
      response: { 200: TwoFactorModel.setup, 400: AuthModel.error, 409: AuthModel.error, 429: AuthModel.error },
      detail: {
        tags,
        summary: 'Start enrolment: a new TOTP secret',
        description:
          'Needs the current password (400 when wrong; counts against the login throttle). Returns the secret, its `otpauth://` URI and a QR code; nothing changes at login until POST /2fa/enable. 409 when two-factor sign-in is already on.',
      },
    })
    .post('/enable', ({ user, body, clientIp }) => service.enable(user, body.code, { ip: clientIp }), {
      auth: true,
      body: TwoFactorModel.code,
      response: { 200: TwoFactorModel.recoveryCodes, 400: AuthModel.error, 409: AuthModel.error, 429: AuthModel.error },
      detail: {
        tags,
        summary: 'Finish enrolment with a code from the app',
        description:
          'Turns two-factor sign-in on and returns ten single-use recovery codes, shown only this once. 400 `Invalid two-factor code`; 409 without a pending setup.',
      },
    })
    .post(
      '/disable',
      async ({ user, body, clientIp, status }) => {
        await service.disable(user, body.password, body.code, { ip: clientIp })
        return status(204, undefined)
      },
      {
        auth: true,
        body: TwoFactorModel.disable,
        response: { 204: AuthModel.empty, 400: AuthModel.error, 409: AuthModel.error, 429: AuthModel.error },
        detail: {
          tags,
          summary: 'Turn two-factor sign-in off',
          description:
            'Needs the current password and a code (authenticator or recovery). Forgets the secret and the recovery codes, and e-mails the user a notice. 204.',
        },
      },
    )
    .post('/recovery-codes', ({ user, body, clientIp }) => service.regenerateRecoveryCodes(user, body.code, { ip: clientIp }), {
      auth: true,
      body: TwoFactorModel.code,
      response: { 200: TwoFactorModel.recoveryCodes, 400: AuthModel.error, 409: AuthModel.error, 429: AuthModel.error },
      detail: {
        tags,
        summary: 'New recovery codes',
        description: 'Needs an authenticator code. Returns ten new single-use codes; the old ones stop working.',
      },
    })
}
