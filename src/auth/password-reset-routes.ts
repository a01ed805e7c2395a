import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { requestContext } from '../http/request-context'
import { AuthModel } from './model'
import { PasswordResetService, RESET_ACCEPTED_MESSAGE } from './password-reset'
import type { AuthService } from './service'

const tags = ['Authentication']

const PasswordResetModel = {
  request: t.Object({ email: t.String({ maxLength: 320 }) }, { title: 'PasswordResetRequest' }),
  confirm: t.Object(
    {
      token: t.String({ maxLength: 256, description: 'The `token` query parameter of the e-mailed link' }),
      new_password: t.String({ maxLength: 1024, description: 'Same rules as change-password' }),
    },
    { title: 'PasswordResetConfirm' },
  ),
}

/** /api/v2/auth/password-reset[/confirm]: public, mounted inside the auth routes. */
export function passwordResetRoutes(ctx: AppContext, auth: AuthService) {
  const service = new PasswordResetService(ctx, auth)
  return new Elysia({ name: 'password-reset-routes', seed: ctx.id })
    .use(requestContext(ctx))
    .post(
      '/password-reset',
      async ({ body, status, clientIp }) => {
        await service.request(body.email, { ip: clientIp })
        return status(202, { message: RESET_ACCEPTED_MESSAGE })
      },
      {
        body: PasswordResetModel.request,
        response: { 202: AuthModel.message, 429: AuthModel.error, 503: AuthModel.error },
        detail: {
          tags,
          security: [],
          summary: 'Ask for a password reset link by e-mail',
          description:
            'Always 202 with the same body, known address or not. An active account gets one e-mail with a link to the front end (first FRONTEND_URL origin + PASSWORD_RESET_PATH + `?token=…`), valid 30 minutes and once; a newer request or any password change ends it. At most 3 e-mails per address per hour (further requests: the same 202, no e-mail) and 20 requests per client IP per hour (429 with Retry-After). 503 `Email is not configured` without SMTP.',
        },
      },
    )
    .post(
      '/password-reset/confirm',
      async ({ body, status, clientIp }) => {
        await service.confirm(body.token, body.new_password, { ip: clientIp })
        return status(204, undefined)
      },
      {
        body: PasswordResetModel.confirm,
        response: { 204: AuthModel.empty, 400: AuthModel.error },
        detail: {
          tags,
          security: [],
          summary: 'Set a new password with the e-mailed token',
          description:
            '204: the password is set, every session of the user ends (log in again), and the user gets a notice e-mail. 400 `Invalid or expired reset token`; 422 naming the password rule broken (the token stays usable). Two-factor sign-in, when on, still applies at the next login.',
        },
      },
    )
}
