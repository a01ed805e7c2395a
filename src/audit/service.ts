import { desc, eq, and, count, type SQL } from 'drizzle-orm'
import type { Database } from '../db/client'
import type { Logger } from '../logger'

export type AuditAction =
  | 'login.success'
  | 'login.failure'
  | 'login.throttled'
  | 'auth.logout'
  | 'auth.logout_all'
  | 'auth.password_changed'
  | 'auth.refresh_reuse'
  | 'auth.password_change_failed'
  | 'auth.password_change_throttled'
  | 'auth.password_reset_requested'
  | 'auth.password_reset'
  | 'auth.2fa_enabled'
  | 'auth.2fa_disabled'
  | 'auth.2fa_reset'
  | 'auth.2fa_recovery_codes'
  | 'auth.2fa_recovery_code_used'
  | 'auth.session_ended'
  | 'login.2fa_required'
  | 'login.2fa_failure'
  | 'login.2fa_throttled'
  | 'user.unlocked'
  | 'permission.denied'
  | 'user.created'
  | 'user.updated'
  | 'customer.deleted'
  | 'ratelimit.exceeded'
  | 'webhook.signature_failed'

export interface AuditEntry {
  action: AuditAction
  userId?: number | null
  actorEmail?: string | null
  target?: string | null
  ip?: string | null
  /** Never secrets, tokens, passwords, message bodies or full phone numbers. */
  details?: Record<string, unknown>
}

export class AuditLog {
  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  /** Auditing must never break the request it describes: failures are logged, not thrown. */
  async record(entry: AuditEntry): Promise<void> {
    try {
      await this.database.db.insert(this.database.tables.auditLog).values({
        action: entry.action,
        userId: entry.userId ?? null,
        actorEmail: entry.actorEmail ?? null,
        target: entry.target ?? null,
        ip: entry.ip ?? null,
        details: entry.details ?? null,
        createdAt: new Date(),
      })
    } catch (error) {
      this.logger.error({ err: (error as Error).name, action: entry.action }, 'audit write failed')
    }
  }

  async list(options: { page: number; pageSize: number; action?: string; userId?: number }) {
    const { auditLog } = this.database.tables
    const filters: SQL[] = []
    if (options.action) filters.push(eq(auditLog.action, options.action))
    if (options.userId !== undefined) filters.push(eq(auditLog.userId, options.userId))
    const where = filters.length ? and(...filters) : undefined
    const [rows, [total]] = await Promise.all([
      this.database.db
        .select()
        .from(auditLog)
        .where(where)
        .orderBy(desc(auditLog.id))
        .limit(options.pageSize)
        .offset((options.page - 1) * options.pageSize),
      this.database.db.select({ value: count() }).from(auditLog).where(where),
    ])
    return {
      total: total?.value ?? 0,
      items: rows.map((row) => ({
        id: row.id,
        action: row.action,
        user_id: row.userId,
        actor_email: row.actorEmail,
        target: row.target,
        ip: row.ip,
        details: row.details ?? {},
        created_at: row.createdAt.toISOString(),
      })),
    }
  }
}
