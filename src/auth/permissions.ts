export const ROLES = ['user', 'admin', 'superuser'] as const
export type Role = (typeof ROLES)[number]

export const PERMISSIONS = [
  'send_sms',
  'send_email',
  'view_customers',
  'edit_customers',
  'delete_customers',
  'view_all_communications',
  'admin_panel',
  'manage_users',
] as const
export type Permission = (typeof PERMISSIONS)[number]

const USER_PERMISSIONS: Permission[] = ['send_sms', 'send_email', 'view_customers', 'edit_customers']
const ADMIN_PERMISSIONS: Permission[] = [...USER_PERMISSIONS, 'delete_customers', 'view_all_communications', 'admin_panel']

/** The one permission table (docs/auth.md, "Roles and permissions", shows it). */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  user: USER_PERMISSIONS,
  admin: ADMIN_PERMISSIONS,
  superuser: [...ADMIN_PERMISSIONS, 'manage_users'],
}

const RANK: Record<Role, number> = { user: 0, admin: 1, superuser: 2 }

function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}

/** The legacy `is_superuser` flag lifts a user to at least admin. */
export function effectiveRole(role: string, isSuperuser: boolean): Role {
  const stored: Role = isRole(role) ? role : 'user'
  return isSuperuser && RANK[stored] < RANK.admin ? 'admin' : stored
}

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum]
}

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission)
}
