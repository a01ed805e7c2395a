import type { Config } from '../config'
import { buildApp } from '../app'
import { createContext } from '../context'
import { openDatabase } from '../db/client'
import { runMigrations } from '../db/migrate'
import { createLogger } from '../logger'
import { VERSION } from '../version'
import { serverBodyLimit } from '../http/body-limit'
import { bootstrapFirstUser } from '../users/bootstrap'
import { scheduleAuditPruning } from '../audit/retention'

/** Below the usual 30 s grace period of service managers (compose, systemd), so exit stays clean. */
const DRAIN_TIMEOUT_MS = 25_000

export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel)
  for (const warning of config.warnings) logger.warn(warning)
  const database = openDatabase(config.database)
  await runMigrations(database)
  const ctx = createContext(config, { database, logger })
  await bootstrapFirstUser(ctx)
  const stopPruning = scheduleAuditPruning(ctx)
  const app = buildApp(ctx)
  await app.modules
  app.listen({ port: config.port, hostname: config.host, maxRequestBodySize: serverBodyLimit(config.maxBodyBytes) })
  const server = app.server!
  logger.info({ port: server.port, host: config.host, database: database.kind, version: VERSION }, 'listening')

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down: draining in-flight requests')
    // stop(false) stops accepting and resolves once in-flight requests have finished;
    // a request stuck longer than the drain window (a hung provider call) is cut off.
    const drained = await Promise.race([server.stop(false).then(() => true), Bun.sleep(DRAIN_TIMEOUT_MS).then(() => false)])
    if (!drained) {
      logger.warn({ timeoutMs: DRAIN_TIMEOUT_MS }, 'in-flight requests did not finish in time: closing them')
      await server.stop(true)
    }
    stopPruning()
    await database.close()
    logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}
