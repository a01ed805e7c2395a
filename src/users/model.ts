import { t } from 'elysia'
import { ROLES } from '../auth/permissions'
import { UserView } from './view'

/** `page` from 1, `page_size` 1..200 (SPEC 6); out of range or not a number is 422. */
/** Ids are 32-bit serials on PostgreSQL; a larger number is a 422 rather than a driver error. */
export const MAX_ID = 2_147_483_647

export const PageQuery = {
  // Capped like the other lists: an unbounded page made an OFFSET the database rejects (500).
  page: t.Optional(t.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
  page_size: t.Optional(t.Integer({ minimum: 1, maximum: 200, default: 50 })),
}

// Not t.UnionEnum: inside t.Optional, Elysia fills an absent UnionEnum with its first value.
const RoleField = t.Union(ROLES.map((role) => t.Literal(role)))

export const UserModel = {
  listQuery: t.Object(PageQuery),
  list: t.Object({ items: t.Array(UserView), total: t.Integer(), page: t.Integer(), page_size: t.Integer() }, { title: 'UserList' }),
  create: t.Object(
    {
      email: t.String({ format: 'email', maxLength: 320 }),
      password: t.String({ maxLength: 1024, description: 'At least 10 characters, not the email address' }),
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
  idParams: t.Object({ id: t.Integer({ minimum: 1, maximum: MAX_ID }) }),
  error: t.Object({ detail: t.String() }, { title: 'Error' }),
}
