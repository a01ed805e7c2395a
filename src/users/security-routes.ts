import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { authPlugin, type AuthUser } from '../auth/plugin'
import { resetTwoFactor } from '../auth/two-factor/reset'
import { requestContext } from '../http/request-context'
import { ErrorBody, NotFound } from '../http/errors'
import { SessionDirectory } from '../auth/session-list'
import { SESSION_NOT_FOUND_DETAIL, SessionList, SessionModel } from '../auth/session-routes'
import { USER_NOT_FOUND_DETAIL } from './management'
import { UserService } from './service'
import type { Actor } from './management'
import { UserModel } from './model'

const tags = ['Users']

function actorOf(user: AuthUser, ip: string): Actor {
  return { kind: 'user', id: user.id, email: user.email, role: user.role, sessionId: user.sessionId, ip }
}

/** Account-security actions on another user: /api/v2/admin/users/{id}/… (mounted inside the users routes). */
export function userSecurityRoutes(ctx: AppContext) {
  const directory = new SessionDirectory(ctx)
  const users = new UserService(ctx.database)
  const target = async (id: number) => {
    const row = await users.findById(id)
    if (!row) throw new NotFound(USER_NOT_FOUND_DETAIL)
    return row
  }
  const audit = (user: AuthUser, ip: string, row: { id: number; email: string }, details: Record<string, unknown>) =>
    ctx.audit.record({
      action: 'auth.session_ended',
      userId: user.id,
      actorEmail: user.email,
      target: `user:${row.id} ${row.email}`,
      ip,
      details,
    })
  const empty = t.Void({ description: 'No content' })
  return new Elysia({ name: 'user-security-routes', seed: ctx.id })
    .use(requestContext(ctx))
    .use(authPlugin(ctx))
    .get('/:id/sessions', async ({ params }) => ({ items: await directory.list((await target(params.id)).id) }), {
      permission: 'manage_users',
      params: UserModel.idParams,
      response: { 200: SessionList, 404: ErrorBody },
      detail: {
        tags,
        summary: 'A user’s live sessions',
        description: 'Same shape as GET /api/v2/auth/sessions (`current` is always false here).',
      },
    })
    .delete(
      '/:id/sessions',
      async ({ user, params, status, clientIp }) => {
        const row = await target(params.id)
        const ended = await directory.endAll(row.id)
        await audit(user, clientIp, row, { sessions: 'all', ended })
        return status(204, undefined)
      },
      {
        permission: 'manage_users',
        params: UserModel.idParams,
        response: { 204: empty, 404: ErrorBody },
        detail: {
          tags,
          summary: 'End every session of a user',
          description:
            'Their access and refresh tokens stop working at once; the account stays active (PATCH is_active=false disables it).',
        },
      },
    )
    .delete(
      '/:id/sessions/:sessionId',
      async ({ user, params, status, clientIp }) => {
        const row = await target(params.id)
        if (!(await directory.end(row.id, params.sessionId))) throw new NotFound(SESSION_NOT_FOUND_DETAIL)
        await audit(user, clientIp, row, { session: params.sessionId })
        return status(204, undefined)
      },
      {
        permission: 'manage_users',
        params: t.Object({ id: UserModel.idParams.properties.id, sessionId: SessionModel.params.properties.id }),
        response: { 204: empty, 404: ErrorBody },
        detail: { tags, summary: 'End one session of a user', description: '404 when the id is not a live session of that user.' },
      },
    )
    .post(
      '/:id/reset-2fa',
      async ({ user, params, status, clientIp }) => {
        const { notice } = await resetTwoFactor(ctx, actorOf(user, clientIp), params.id)
        void notice
        return status(204, undefined)
      },
      {
        permission: 'manage_users',
        params: UserModel.idParams,
        response: { 204: empty, 403: ErrorBody, 404: ErrorBody },
        detail: {
          tags,
          summary: 'Turn off another user’s two-factor sign-in',
          description:
            'For a lost authenticator: forgets the secret and the recovery codes; the user signs in with the password alone (and enrols again where REQUIRE_2FA_FOR asks). Audited as `auth.2fa_reset`; the user gets a notice e-mail. 403 for one’s own account (use POST /api/v2/auth/2fa/disable).',
        },
      },
    )
}
