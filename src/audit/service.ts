import { desc, eq, and, count, sql, type SQL } from 'drizzle-orm'
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
  | 'auth.2fa_failure'
  | 'auth.2fa_recovery_code_used'
  | 'auth.session_ended'
  | 'login.2fa_required'
  | 'login.2fa_failure'
  | 'user.unlocked'
  | 'permission.denied'
  | 'user.created'
  | 'user.updated'
  | 'customer.deleted'
  | 'ratelimit.exceeded'
  | 'webhook.signature_failed'
  | 'webhook.rejected'

export interface AuditEntry {
  action: AuditAction
  userId?: number | null
  actorEmail?: string | null
  target?: string | null
  ip?: string | null
  /** Never secrets, tokens, passwords, message bodies or full phone numbers. */
  details?: Record<string, unknown>
}

/** Distinct (action, IP, target, reason) keys coalesced per minute; beyond this, new sources share one row per action and reason. */
const MAX_OPEN_KEYS = 10_000

export class AuditLog {
  /** This minute's coalesced rows: key -> the row's id (pending while it is inserted). */
  private open = new Map<string, Promise<number | undefined>>()
  private openMinute = -1
  /** Counts not yet added to their rows (row id -> events), and the write that will add them. */
  private increments = new Map<number, number>()
  private incrementsStored: Promise<void> | undefined

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  /** Auditing must never break the request it describes: failures are logged, not thrown. */
  async record(entry: AuditEntry): Promise<void> {
    try {
      await this.insert(entry)
    } catch (error) {
      this.logger.error({ err: (error as Error).name, action: entry.action }, 'audit write failed')
    }
  }

  /**
   * For events anyone can cause without signing in (bad webhook signatures,
   * throttled logins): one row per action, source IP, target and `reason` per
   * minute, whose `count` grows, so a loop cannot bury real events. The row
   * keeps the first event's details. Each server process keeps its own rows.
   * True for the event that opened its row (the first of its kind this
   * minute), so callers can log that one and leave the rest to the count.
   */
  async recordRepeated(entry: AuditEntry, reason: string): Promise<boolean> {
    const minute = Math.floor(Date.now() / 60_000)
    if (minute !== this.openMinute) {
      this.open = new Map()
      this.openMinute = minute
    }
    let key = JSON.stringify([entry.action, entry.ip ?? null, entry.target ?? null, reason])
    if (!this.open.has(key) && this.open.size >= MAX_OPEN_KEYS) {
      key = JSON.stringify([entry.action, '*', reason])
      entry = { ...entry, ip: null, details: { ...entry.details, many_sources: true } }
    }
    try {
      const existing = this.open.get(key)
      const id = existing ? await existing : undefined
      if (id !== undefined) {
        await this.countAgain(id)
        return false
      }
      // Set before the insert resolves, so simultaneous events wait for this row instead of adding their own.
      const inserted = this.insert(entry)
      this.open.set(
        key,
        inserted.catch(() => undefined),
      )
      await inserted
    } catch (error) {
      this.open.delete(key)
      this.logger.error({ err: (error as Error).name, action: entry.action }, 'audit write failed')
    }
    return true
  }

  /**
   * Adds one to a coalesced row's count once the events read in this turn of
   * the event loop have queued theirs: a flood costs one UPDATE per row and
   * burst instead of a write per event. Resolves when the count is stored.
   */
  private countAgain(id: number): Promise<void> {
    this.increments.set(id, (this.increments.get(id) ?? 0) + 1)
    this.incrementsStored ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.storeIncrements())
    return this.incrementsStored
  }

  private async storeIncrements(): Promise<void> {
    const increments = this.increments
    this.increments = new Map()
    this.incrementsStored = undefined
    const { auditLog } = this.database.tables
    for (const [id, by] of increments) {
      await this.database.db
        .update(auditLog)
        .set({ count: sql`${auditLog.count} + ${by}` })
        .where(eq(auditLog.id, id))
    }
  }

  private async insert(entry: AuditEntry): Promise<number | undefined> {
    const { auditLog } = this.database.tables
    const [row] = await this.database.db
      .insert(auditLog)
      .values({
        action: entry.action,
        userId: entry.userId ?? null,
        actorEmail: entry.actorEmail ?? null,
        target: entry.target ?? null,
        ip: entry.ip ?? null,
        details: entry.details ?? null,
        createdAt: new Date(),
      })
      .returning({ id: auditLog.id })
    return row?.id
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
        count: row.count,
        created_at: row.createdAt.toISOString(),
      })),
    }
  }
}
