import { t } from 'elysia'
import { effectiveRole, PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Role } from '../auth/permissions'
import type { Tables } from '../db/client'
import { splitFullName } from './names'

export type UserRow = Tables['users']['$inferSelect']

/** The public shape of a user: never any password hash. */
export const UserView = t.Object(
  {
    id: t.Integer(),
    email: t.String(),
    full_name: t.String({ description: 'first_name and last_name joined by a space' }),
    first_name: t.String(),
    last_name: t.String(),
    role: t.UnionEnum([...ROLES]),
    permissions: t.Array(t.UnionEnum([...PERMISSIONS])),
    is_active: t.Boolean(),
    last_login_at: t.Nullable(t.String({ format: 'date-time', description: 'The last successful login; null if never' })),
    last_login: t.Nullable(t.String({ format: 'date-time', description: 'Same as last_login_at' })),
    created_at: t.String({ format: 'date-time' }),
  },
  { title: 'User' },
)

type ViewSource = Pick<
  UserRow,
  'id' | 'email' | 'fullName' | 'firstName' | 'lastName' | 'lastLoginAt' | 'role' | 'isSuperuser' | 'isActive' | 'createdAt'
>

export function userView(row: ViewSource) {
  const role: Role = effectiveRole(row.role, row.isSuperuser)
  // A row written before names were split keeps only the full name.
  const names = row.firstName === '' && row.lastName === '' && row.fullName !== '' ? splitFullName(row.fullName) : row
  const lastLogin = row.lastLoginAt ? row.lastLoginAt.toISOString() : null
  return {
    id: row.id,
    email: row.email,
    full_name: row.fullName,
    first_name: names.firstName,
    last_name: names.lastName,
    role,
    permissions: [...ROLE_PERMISSIONS[role]],
    is_active: row.isActive,
    last_login_at: lastLogin,
    last_login: lastLogin,
    created_at: row.createdAt.toISOString(),
  }
}
