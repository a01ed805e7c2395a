import type { Role } from '../auth/permissions'

/**
 * Role names as front ends send them, mapped onto the three roles this API
 * has. The React CRM's user form offers office (its default), technician,
 * sales and manager; each gets the permissions of the role it maps to.
 */
const ROLE_NAMES: Record<string, Role> = {
  user: 'user',
  office: 'user',
  technician: 'user',
  sales: 'user',
  admin: 'admin',
  manager: 'admin',
  superuser: 'superuser',
}

export const ACCEPTED_ROLE_NAMES = Object.keys(ROLE_NAMES)

export function roleFromName(name: string): Role | undefined {
  return Object.hasOwn(ROLE_NAMES, name) ? ROLE_NAMES[name] : undefined
}

export const ROLE_NAMES_DETAIL = 'Role must be one of user, admin, superuser (or office, technician, sales: user; manager: admin)'
