import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { authPlugin, type AuthUser } from '../auth/plugin'
import { resetTwoFactor } from '../auth/two-factor/reset'
import { requestContext } from '../http/request-context'
import type { Actor } from './management'
import { UserModel } from './model'

const tags = ['Users']

function actorOf(user: AuthUser, ip: string): Actor {
  return { kind: 'user', id: user.id, email: user.email, role: user.role, sessionId: user.sessionId, ip }
}

/** Account-security actions on another user: /api/v2/admin/users/{id}/… (mounted inside the users routes). */
export function userSecurityRoutes(ctx: AppContext) {
  return new Elysia({ name: 'user-security-routes', seed: ctx.id })
    .use(requestContext(ctx))
    .use(authPlugin(ctx))
    .post(
      '/:id/reset-2fa',
      async ({ user, params, set, clientIp }) => {
        const { notice } = await resetTwoFactor(ctx, actorOf(user, clientIp), params.id)
        void notice
        set.status = 204
      },
      {
        permission: 'manage_users',
        params: UserModel.idParams,
        response: { 204: t.Void({ description: 'No content' }), 403: UserModel.error, 404: UserModel.error },
        detail: {
          tags,
          summary: 'Turn off another user’s two-factor sign-in',
          description:
            'For a lost authenticator: forgets the secret and the recovery codes; the user signs in with the password alone (and enrols again where REQUIRE_2FA_FOR asks). Audited as `auth.2fa_reset`; the user gets a notice e-mail. 403 for one’s own account (use POST /api/v2/auth/2fa/disable).',
        },
      },
    )
}
