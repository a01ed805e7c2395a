import { eq, or, type SQL } from 'drizzle-orm'
import { hasPermission } from '../auth/permissions'
import type { AuthUser } from '../auth/plugin'
import type { Tables } from '../db/client'

/**
 * Who sees which messages, wherever messages are listed: with
 * view_all_communications everything; otherwise what the user sent plus every
 * inbound message (inbound messages belong to the whole office).
 * `undefined` means no restriction.
 */
export function visibleTo(communications: Tables['communications'], user: Pick<AuthUser, 'id' | 'role'>): SQL | undefined {
  if (hasPermission(user.role, 'view_all_communications')) return undefined
  return or(eq(communications.userId, user.id), eq(communications.direction, 'inbound'))
}
