import { t } from 'elysia'
import { ROLES } from '../auth/permissions'
import { UserView } from './view'
import { ID_MAX, PageOf, PageQuery } from '../http/pagination'


// Not t.UnionEnum: inside t.Optional, Elysia fills an absent UnionEnum with its first value.
const RoleField = t.Union(ROLES.map((role) => t.Literal(role)))

export const UserModel = {
  listQuery: t.Object(PageQuery),
  list: PageOf(UserView, 'UserList'),
  create: t.Object(
    {
      email: t.String({ format: 'email', maxLength: 320 }),
      password: t.String({ maxLength: 1024, description: 'At least 12 characters; not a common or easily guessed password, and not containing the email address or name' }),
      full_name: t.Optional(t.String({ maxLength: 200 })),
      role: t.Optional(RoleField),
    },
    { title: 'UserCreate' },
  ),
  update: t.Object(
    {
      full_name: t.Optional(t.String({ maxLength: 200 })),
      role: t.Optional(RoleField),
      is_active: t.Optional(t.Boolean()),
      password: t.Optional(t.String({ maxLength: 1024 })),
    },
    { title: 'UserUpdate' },
  ),
  idParams: t.Object({ id: t.Integer({ minimum: 1, maximum: ID_MAX }) }),
  error: t.Object({ detail: t.String() }, { title: 'Error' }),
}
