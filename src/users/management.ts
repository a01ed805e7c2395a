import { and, eq, or, sql, type SQL } from 'drizzle-orm'
import type { AppContext } from '../context'
import type { Db } from '../db/client'
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

const LAST_SUPERUSER_DETAIL = 'Cannot remove the last active superuser'
export const USER_NOT_FOUND_DETAIL = 'User not found'

// Any fixed key: every change that could remove a superuser queues on it (PostgreSQL).
const SUPERUSER_LOCK_KEY = 7_310_442_777

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

  constructor(private readonly ctx: AppContext) {
    this.users = new UserService(ctx.database)
    this.sessions = new SessionService(ctx)
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

    const row = await this.guardedUpdate(id, set, changes)
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

  /**
   * One conditional UPDATE: it applies only if the user stays an active
   * superuser, was not one, or another active superuser exists. SQLite runs a
   * statement under its write lock; on PostgreSQL a transaction-scoped advisory
   * lock makes concurrent demotions see each other (READ COMMITTED alone would
   * let two of them pass on the same snapshot).
   */
  private async guardedUpdate(id: number, set: Partial<UserRow>, changes: UserChanges): Promise<UserRow | undefined> {
    const { users } = this.ctx.database.tables
    let guard: SQL | undefined
    if (changes.role !== undefined || changes.isActive !== undefined) {
      // The row's state after this update, in SQL, so it is judged on the row as it is when the statement runs.
      const superAfter =
        changes.role === undefined ? sql`${users.role} = 'superuser'` : changes.role === 'superuser' ? sql`1 = 1` : sql`1 = 0`
      const activeAfter = changes.isActive === undefined ? sql`${users.isActive}` : changes.isActive ? sql`1 = 1` : sql`1 = 0`
      guard = or(
        sql`(${superAfter}) and (${activeAfter})`,
        sql`not (${users.role} = 'superuser' and ${users.isActive})`,
        sql`exists (select 1 from ${users} as other where other.role = 'superuser' and other.is_active and other.id <> ${users.id})`,
      )
    }
    const run = async (db: Db) => {
      const [row] = await db
        .update(users)
        .set(set)
        .where(and(eq(users.id, id), guard))
        .returning()
      return row
    }
    if (this.ctx.database.kind === 'sqlite') return run(this.ctx.database.db)
    // Narrow adapter: the PostgreSQL transaction has the same builder API plus execute().
    const pgDb = this.ctx.database.db as unknown as {
      transaction<T>(fn: (tx: Db & { execute(query: SQL): Promise<unknown> }) => Promise<T>): Promise<T>
    }
    return pgDb.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${SUPERUSER_LOCK_KEY})`)
      return run(tx)
    })
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
