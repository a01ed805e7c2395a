import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { authPlugin, type AuthUser } from '../auth/plugin'
import { requestContext } from '../http/request-context'
import { ErrorBody } from '../http/errors'
import { UserManagement, type Actor } from './management'
import { UserModel } from './model'
import { pageOf, pageWindow } from '../http/pagination'
import { UserView, userView } from './view'
import { roleFromName } from './roles'
import { userSecurityRoutes } from './security-routes'

const tags = ['Users']

function actorOf(user: AuthUser, ip: string): Actor {
  return { kind: 'user', id: user.id, email: user.email, role: user.role, sessionId: user.sessionId, ip }
}

/** User administration (`manage_users`, superusers only). */
export function usersModule(ctx: AppContext) {
  const management = new UserManagement(ctx)
  return new Elysia({ name: 'users', seed: ctx.id, prefix: '/api/v2/admin/users' })
    .use(requestContext(ctx))
    .use(authPlugin(ctx))
    .use(userSecurityRoutes(ctx))
    .get(
      '/',
      async ({ query }) => {
        const window = pageWindow(query)
        const { rows, total } = await management.users.list(window.page, window.pageSize)
        const users = rows.map(userView)
        return { ...pageOf(users, total, window), users }
      },
      {
        permission: 'manage_users',
        query: UserModel.listQuery,
        response: { 200: UserModel.list },
        detail: { tags, summary: 'List users' },
      },
    )
    .post(
      '/',
      async ({ user, body, status, clientIp }) => {
        const row = await management.create(actorOf(user, clientIp), {
          email: body.email,
          password: body.password,
          fullName: body.full_name,
          firstName: body.first_name,
          lastName: body.last_name,
          role: body.role ?? 'user',
        })
        return status(201, userView(row))
      },
      {
        permission: 'manage_users',
        body: UserModel.create,
        response: { 201: UserView, 409: ErrorBody },
        detail: {
          tags,
          summary: 'Create a user',
          description:
            '409 "Email already registered" for a duplicate email. Names may be sent as first_name/last_name or as full_name; role names office, technician and sales mean user, manager means admin.',
        },
      },
    )
    .patch(
      '/:id',
      async ({ user, params, body, clientIp }) => {
        const row = await management.update(actorOf(user, clientIp), params.id, {
          fullName: body.full_name,
          firstName: body.first_name,
          lastName: body.last_name,
          role: body.role === undefined ? undefined : roleFromName(body.role),
          isActive: body.is_active,
          password: body.password,
        })
        return userView(row)
      },
      {
        permission: 'manage_users',
        params: UserModel.idParams,
        body: UserModel.update,
        response: { 200: UserView, 404: ErrorBody, 409: ErrorBody },
        detail: {
          tags,
          summary: 'Change a user',
          description:
            'Disabling a user or setting their password ends their sessions. The last active superuser cannot be demoted or disabled (409).',
        },
      },
    )
    .delete(
      '/:id',
      async ({ user, params, clientIp }) => {
        await management.update(actorOf(user, clientIp), params.id, { isActive: false })
        return { message: 'User deactivated' }
      },
      {
        permission: 'manage_users',
        params: UserModel.idParams,
        response: { 200: UserModel.message, 404: ErrorBody, 409: ErrorBody },
        detail: {
          tags,
          summary: 'Deactivate a user',
          description:
            'The same as PATCH with `is_active: false`: the user can no longer sign in and their sessions end; the row stays. The last active superuser cannot be deactivated (409).',
        },
      },
    )
}
