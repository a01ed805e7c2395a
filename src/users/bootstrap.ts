import { ConfigError } from '../config'
import type { AppContext } from '../context'
import { Conflict, HttpError, ValidationFailed } from '../http/errors'
import { UserManagement } from './management'

export type FirstUserState = 'existing' | 'created' | 'none'

/**
 * First start: on an empty api_users table, ADMIN_EMAIL/ADMIN_PASSWORD become
 * the first superuser; without them, one line says how to create one
 * (`createCommand`: the command line that matches how the server was started).
 */
export async function bootstrapFirstUser(
  ctx: AppContext,
  createCommand = 'crm-api user create --email you@example.com --role superuser',
): Promise<FirstUserState> {
  const management = new UserManagement(ctx)
  if ((await management.users.count()) > 0) return 'existing'
  const { adminEmail, adminPassword } = ctx.config
  if (!adminEmail || !adminPassword) {
    ctx.logger.warn(`no users yet: create the first one with \`${createCommand}\` (or set ADMIN_EMAIL and ADMIN_PASSWORD)`)
    return 'none'
  }
  try {
    const row = await management.create(
      { kind: 'console' },
      { email: adminEmail, password: adminPassword, role: 'superuser', fullName: 'Administrator' },
    )
    ctx.logger.info({ userId: row.id }, 'created the first superuser from ADMIN_EMAIL')
    return 'created'
  } catch (error) {
    // Another replica starting at the same moment created it first.
    if (error instanceof Conflict) return 'existing'
    if (error instanceof HttpError) {
      const message = error instanceof ValidationFailed ? (error.errors[0]?.message ?? error.detail) : error.detail
      throw new ConfigError(`ADMIN_EMAIL/ADMIN_PASSWORD: ${message}`)
    }
    throw error
  }
}
