import { t } from 'elysia'
import { ACCEPTED_ROLE_NAMES } from './roles'
import { UserView } from './view'
import { ID_MAX, PageOf, PageQuery } from '../http/pagination'

// Not t.UnionEnum: inside t.Optional, Elysia fills an absent UnionEnum with its first value.
const RoleField = t.Union(
  ACCEPTED_ROLE_NAMES.map((role) => t.Literal(role)),
  { description: 'user, admin or superuser; office, technician and sales also mean user, manager means admin' },
)
const NameFields = {
  full_name: t.Optional(
    t.String({ maxLength: 200, description: 'Split at the first space into first_name and last_name when those are not sent' }),
  ),
  first_name: t.Optional(t.String({ maxLength: 100 })),
  last_name: t.Optional(t.String({ maxLength: 100 })),
}

export const UserModel = {
  listQuery: t.Object(PageQuery),
  list: t.Object(
    {
      ...PageOf(UserView, 'UserList').properties,
      users: t.Array(UserView, { description: 'The same page as items, for clients that read `users`' }),
    },
    { title: 'UserList' },
  ),
  create: t.Object(
    {
      email: t.String({
        maxLength: 320,
        description: 'A plain ASCII address (local@domain.tld); internationalised domains in their xn-- form',
      }),
      password: t.String({
        maxLength: 1024,
        description: 'At least 12 characters; not a common or easily guessed password, and not containing the email address or name',
      }),
      ...NameFields,
      role: t.Optional(RoleField),
    },
    { title: 'UserCreate' },
  ),
  update: t.Object(
    {
      ...NameFields,
      role: t.Optional(RoleField),
      is_active: t.Optional(t.Boolean()),
      password: t.Optional(t.String({ maxLength: 1024 })),
    },
    { title: 'UserUpdate' },
  ),
  idParams: t.Object({ id: t.Integer({ minimum: 1, maximum: ID_MAX }) }),
  message: t.Object({ message: t.String() }, { title: 'Message' }),
}
