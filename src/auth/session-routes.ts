import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { NotFound } from '../http/errors'
import { requestContext } from '../http/request-context'
import { AuthModel } from './model'
import { authPlugin } from './plugin'
import { SessionDirectory } from './session-list'

const tags = ['Authentication']
export const SESSION_NOT_FOUND_DETAIL = 'Session not found'

export const SessionModel = {
  entry: t.Object(
    {
      id: t.String(),
      created_at: t.String({ format: 'date-time', description: 'When the login happened' }),
      last_used_at: t.Union([t.String({ format: 'date-time' }), t.Null()], {
        description: 'Last request or refresh, to within about a minute',
      }),
      expires_at: t.String({ format: 'date-time', description: 'When its refresh token runs out' }),
      ip: t.Union([t.String(), t.Null()], { description: 'Client IP at login' }),
      user_agent: t.Union([t.String(), t.Null()], { description: 'User-Agent at login' }),
      current: t.Boolean({ description: 'The session of this request' }),
    },
    { title: 'Session' },
  ),
  params: t.Object({ id: t.String({ maxLength: 64 }) }),
}

export const SessionList = t.Object({ items: t.Array(SessionModel.entry) }, { title: 'SessionList' })

/** /api/v2/auth/sessions: the signed-in user's own logins; mounted inside the auth routes. */
export function sessionRoutes(ctx: AppContext) {
  const directory = new SessionDirectory(ctx)
  return new Elysia({ name: 'session-routes', seed: ctx.id })
    .use(requestContext(ctx))
    .use(authPlugin(ctx))
    .get('/sessions', async ({ user }) => ({ items: await directory.list(user.id, user.sessionId) }), {
      auth: true,
      response: { 200: SessionList },
      detail: {
        tags,
        summary: 'The signed-in user’s live sessions',
        description: 'One per login that has not ended or expired, newest first; `current` marks the one making this request.',
      },
    })
    .delete(
      '/sessions/:id',
      async ({ user, params, status, clientIp }) => {
        if (!(await directory.end(user.id, params.id))) throw new NotFound(SESSION_NOT_FOUND_DETAIL)
        await ctx.audit.record({
          action: 'auth.session_ended',
          userId: user.id,
          actorEmail: user.email,
          ip: clientIp,
          details: { session: params.id, own: true },
        })
        return status(204, undefined)
      },
      {
        auth: true,
        params: SessionModel.params,
        response: { 204: AuthModel.empty, 404: AuthModel.error },
        detail: {
          tags,
          summary: 'End one of the signed-in user’s sessions',
          description:
            'Its access tokens and refresh tokens stop working at once (the current one too, if named). 404 for an id that is not a live session of this user.',
        },
      },
    )
}
