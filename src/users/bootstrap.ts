import { ConfigError } from '../config'
import type { AppContext } from '../context'
import { Conflict, HttpError } from '../http/errors'
import { UserManagement } from './management'

/**
 * First start: on an empty api_users table, ADMIN_EMAIL/ADMIN_PASSWORD become
 * the first superuser; without them, one line says how to create one.
 */
export async function bootstrapFirstUser(ctx: AppContext): Promise<void> {
  const management = new UserManagement(ctx)
  if ((await management.users.count()) > 0) return
  const { adminEmail, adminPassword } = ctx.config
  if (!adminEmail || !adminPassword) {
    ctx.logger.warn('no users yet: create the first one with `crm-api user create --email you@example.com --role superuser` (or set ADMIN_EMAIL and ADMIN_PASSWORD)')
    return
  }
  try {
    const row = await management.create({ kind: 'console' }, { email: adminEmail, password: adminPassword, role: 'superuser', fullName: 'Administrator' })
    ctx.logger.info({ userId: row.id }, 'created the first superuser from ADMIN_EMAIL')
  } catch (error) {
    // Another replica starting at the same moment created it first.
    if (error instanceof Conflict) return
    if (error instanceof HttpError) {
      const message = (error.extra.errors as { message: string }[] | undefined)?.[0]?.message ?? error.detail
      throw new ConfigError(`ADMIN_EMAIL/ADMIN_PASSWORD: ${message}`)
    }
    throw error
  }
}
