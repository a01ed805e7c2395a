import type { AppContext } from '../context'
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../http/errors'
import { hashPassword, passwordProblem } from '../auth/passwords'
import type { Role } from '../auth/permissions'
import { SessionService } from '../auth/sessions'
import { ResetTokens } from '../auth/reset-tokens'
import { emailAddressProblem } from '../email/address'
import { SecurityNotices } from '../email/security-notices'
import { normalizeEmail, UserService } from './service'
import type { UserRow } from './view'
import { namesAfter, type NameInput } from './names'
import { roleFromName, ROLE_NAMES_DETAIL } from './roles'
import { createUserStore, type UserStore } from './store'

const LAST_SUPERUSER_DETAIL = 'Cannot remove the last active superuser'
export const USER_NOT_FOUND_DETAIL = 'User not found'

/** Who makes a change: a signed-in user, or the operator at the console (CLI). */
export type Actor = { kind: 'user'; id: number; email: string; role: Role; sessionId?: string; ip?: string } | { kind: 'console' }

export interface UserChanges extends NameInput {
  role?: Role
  isActive?: boolean
  password?: string
}

/** Role assignment is a superuser's privilege, whatever route or command asks. */
function assertMayAssignRoles(actor: Actor): void {
  if (actor.kind === 'user' && actor.role !== 'superuser') throw new Forbidden('Permission denied: requires manage_users')
}

/**
 * Creating and changing users, for the admin routes and the CLI. Keeps the
 * last-active-superuser rule race-free and ends sessions when access changes.
 */
export class UserManagement {
  readonly users: UserService
  private readonly sessions: SessionService
  private readonly store: UserStore

  constructor(private readonly ctx: AppContext) {
    this.users = new UserService(ctx.database)
    this.sessions = new SessionService(ctx)
    this.store = createUserStore(ctx.database)
  }

  async create(actor: Actor, input: NameInput & { email: string; password: string; role: string }): Promise<UserRow> {
    assertMayAssignRoles(actor)
    const email = normalizeEmail(input.email)
    const badEmail = emailAddressProblem(email)
    if (badEmail) throw ValidationFailed.field('email', badEmail)
    const role = roleFromName(input.role)
    if (!role) throw ValidationFailed.field('role', ROLE_NAMES_DETAIL)
    const names = namesAfter(input)
    const badPassword = await passwordProblem(input.password, { email, names: [names?.fullName, names?.firstName, names?.lastName] })
    if (badPassword) throw ValidationFailed.field('password', badPassword)
    const row = await this.users.create({ email, password: input.password, ...names, role })
    await this.audit(actor, 'user.created', row, { role: row.role })
    return row
  }

  async update(actor: Actor, id: number, changes: UserChanges): Promise<UserRow> {
    if (changes.role !== undefined) assertMayAssignRoles(actor)
    const current = await this.users.findById(id)
    if (!current) throw new NotFound(USER_NOT_FOUND_DETAIL)
    const names = namesAfter(changes, current)
    if (changes.password !== undefined) {
      const { fullName, firstName, lastName } = names ?? current
      const problem = await passwordProblem(changes.password, { email: current.email, names: [fullName, firstName, lastName] })
      if (problem) throw ValidationFailed.field('password', problem)
    }
    const { users } = this.ctx.database.tables
    const set: Partial<typeof users.$inferInsert> = { updatedAt: new Date() }
    if (names) Object.assign(set, names)
    if (changes.role !== undefined) {
      set.role = changes.role
      // The legacy flag would otherwise keep a demoted user at admin.
      set.isSuperuser = changes.role === 'superuser'
    }
    if (changes.isActive !== undefined) set.isActive = changes.isActive
    if (changes.password !== undefined) set.hashedPassword = await hashPassword(changes.password)

    const row = await this.store.updateUnlessLastSuperuser(id, set, changes)
    if (!row) {
      if (!(await this.users.findById(id))) throw new NotFound(USER_NOT_FOUND_DETAIL)
      throw new Conflict(LAST_SUPERUSER_DETAIL)
    }

    // Losing access or the password ends their sessions (the actor's own current one survives a self-service change).
    if (changes.password !== undefined) await new ResetTokens(this.ctx.database).revokeAll(id)
    if (changes.isActive === false || changes.password !== undefined) {
      const keep = actor.kind === 'user' && actor.id === id && changes.isActive !== false ? actor.sessionId : undefined
      await this.sessions.revokeAllOf(id, keep)
    }
    const changed: Record<string, unknown> = {}
    if (names) Object.assign(changed, { full_name: row.fullName, first_name: row.firstName, last_name: row.lastName })
    if (changes.role !== undefined) changed.role = { from: current.role, to: row.role }
    if (changes.isActive !== undefined) changed.is_active = row.isActive
    if (changes.password !== undefined) changed.password = 'changed'
    await this.audit(actor, 'user.updated', row, changed)
    if (changes.password !== undefined) {
      const by = actor.kind === 'console' ? 'console' : actor.id === id ? 'self' : 'admin'
      const notice = new SecurityNotices(this.ctx).passwordChanged(row.email, by)
      // The console exits right after: it waits for the e-mail; a request does not.
      if (actor.kind === 'console') await notice
    }
    return row
  }

  /** The console's `user set-role`: same rules, by email. */
  async setRoleByEmail(email: string, role: string): Promise<UserRow> {
    const canonical = roleFromName(role)
    if (!canonical) throw ValidationFailed.field('role', ROLE_NAMES_DETAIL)
    const row = await this.users.findByEmail(email)
    if (!row) throw new NotFound(USER_NOT_FOUND_DETAIL)
    return this.update({ kind: 'console' }, row.id, { role: canonical })
  }

  private async audit(actor: Actor, action: 'user.created' | 'user.updated', row: UserRow, details: Record<string, unknown>) {
    await this.ctx.audit.record({
      action,
      userId: actor.kind === 'user' ? actor.id : null,
      actorEmail: actor.kind === 'user' ? actor.email : 'cli',
      target: `user:${row.id} ${row.email}`,
      ip: actor.kind === 'user' ? actor.ip : null,
      details,
    })
  }
}
