import { t } from 'elysia'
import { effectiveRole, PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Role } from '../auth/permissions'
import type { Tables } from '../db/client'

export type UserRow = Tables['users']['$inferSelect']

/** The public shape of a user: never any password hash. */
export const UserView = t.Object(
  {
    id: t.Integer(),
    email: t.String(),
    full_name: t.String(),
    role: t.UnionEnum([...ROLES]),
    permissions: t.Array(t.UnionEnum([...PERMISSIONS])),
    is_active: t.Boolean(),
    created_at: t.String({ format: 'date-time' }),
  },
  { title: 'User' },
)

export function userView(row: Pick<UserRow, 'id' | 'email' | 'fullName' | 'role' | 'isSuperuser' | 'isActive' | 'createdAt'>) {
  const role: Role = effectiveRole(row.role, row.isSuperuser)
  return {
    id: row.id,
    email: row.email,
    full_name: row.fullName,
    role,
    permissions: [...ROLE_PERMISSIONS[role]],
    is_active: row.isActive,
    created_at: row.createdAt.toISOString(),
  }
}
