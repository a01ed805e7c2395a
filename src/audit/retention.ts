import { inArray, lt } from 'drizzle-orm'
import type { AppContext } from '../context'
import type { Database } from '../db/client'

const DAY_MS = 24 * 60 * 60 * 1000
const PRUNE_EVERY_MS = 6 * 60 * 60 * 1000
/** Deleted per statement, so a first prune of a large backlog never holds the write lock for long. */
const BATCH = 5_000

/** Deletes audit rows older than `days`; returns how many went. Uses the created_at index. */
export async function pruneAuditLog(database: Database, days: number, now = new Date()): Promise<number> {
  const { db, tables } = database
  const { auditLog } = tables
  const cutoff = new Date(now.getTime() - days * DAY_MS)
  let deleted = 0
  for (;;) {
    const oldest = db.select({ id: auditLog.id }).from(auditLog).where(lt(auditLog.createdAt, cutoff)).limit(BATCH)
    const gone = await db.delete(auditLog).where(inArray(auditLog.id, oldest)).returning({ id: auditLog.id })
    deleted += gone.length
    if (gone.length < BATCH) return deleted
  }
}

/**
 * AUDIT_RETENTION_DAYS: prunes once now and then every 6 hours while the
 * server runs. Replicas may each prune; the deletes are idempotent.
 * Returns the function that stops the timer.
 */
export function scheduleAuditPruning(ctx: AppContext): () => void {
  const run = async () => {
    try {
      const deleted = await pruneAuditLog(ctx.database, ctx.config.auditRetentionDays)
      if (deleted > 0) ctx.logger.info({ deleted, retentionDays: ctx.config.auditRetentionDays }, 'old audit rows deleted')
    } catch (error) {
      ctx.logger.warn({ err: (error as Error).name }, 'audit pruning failed; retried later')
    }
  }
  void run()
  const timer = setInterval(() => void run(), PRUNE_EVERY_MS)
  timer.unref()
  return () => clearInterval(timer)
}
