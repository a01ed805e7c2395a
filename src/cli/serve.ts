import type { Config } from '../config'
import { buildApp } from '../app'
import { createContext, type AppContext } from '../context'
import { openDatabase } from '../db/client'
import { runMigrations } from '../db/migrate'
import { createLogger } from '../logger'
import { VERSION, buildCommit, versionLine } from '../version'
import { serverBodyLimit } from '../http/body-limit'
import { bootstrapFirstUser } from '../users/bootstrap'
import { scheduleAuditPruning } from '../audit/retention'
import { burstLeftovers, finishStartup, releaseAfterBursts } from '../idle-memory'
import { bannerLine, baseUrl, databaseLocation, firstUserCommand } from './banner'
import { CliError } from './errors'

/** Below the usual 30 s grace period of service managers (compose, systemd), so exit stays clean. */
const DRAIN_TIMEOUT_MS = 25_000

function listenError(config: Config, error: unknown): CliError {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return new CliError(`port ${config.port} is already in use`)
  return new CliError(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`)
}

/** Fails before migrations and the first-user step touch anything when another process holds the port. */
export function ensurePortFree(config: Config): void {
  if (config.port === 0) return
  try {
    const probe = Bun.serve({
      hostname: config.host,
      port: config.port,
      reusePort: false,
      fetch: () => new Response(null, { status: 503 }),
    })
    probe.stop(true)
  } catch (error) {
    throw listenError(config, error)
  }
}

async function builtApp(ctx: AppContext) {
  const app = buildApp(ctx)
  await app.modules
  return app
}

export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel)
  for (const warning of config.warnings) logger.warn(warning)
  const database = await openDatabase(config.database)
  const ctx = createContext(config, { database, logger })
  // The app is built while the database migrates: on a first start PostgreSQL spends tens of
  // milliseconds creating the tables, time the route table and its validators can use.
  // Nothing built here reads the database before it is used (statements are prepared on first use).
  const [migrations, app] = await Promise.all([runMigrations(database), builtApp(ctx)])
  if (migrations.applied.length) logger.info({ migrations: migrations.applied }, `applied migrations: ${migrations.applied.join(', ')}`)
  if (migrations.newerThanThisBuild) {
    logger.warn(
      'the database was migrated by a newer version of crm-api; this older version may fail on it (see docs/operations.md, "Rolling back")',
    )
  }
  const firstUser = await bootstrapFirstUser(ctx, firstUserCommand(config))
  try {
    // Elysia asks Bun for SO_REUSEPORT by default: a second server on the port would
    // silently share it (and split requests between two databases).
    app.listen({ port: config.port, hostname: config.host, reusePort: false, maxRequestBodySize: serverBodyLimit(config.maxBodyBytes) })
  } catch (error) {
    // The port was taken between the probe and now.
    await database.close()
    throw listenError(config, error)
  }
  // Pruning answers no request: it starts once the server listens, not on the way there.
  const stopPruning = scheduleAuditPruning(ctx)
  // The executable starts with the JIT reluctant (deploy/build.ts); requests get the normal policy, after a clean-up.
  const stopFinishing = finishStartup()
  const stopReleasing = releaseAfterBursts(() => ctx.metrics.answered, burstLeftovers(database))
  const server = app.server
  const port = server?.port
  if (!server || port === undefined) throw new Error('the server is not listening on a port')
  ctx.server = server
  logger.info(
    {
      url: baseUrl(config.host, port),
      port,
      host: config.host,
      database: database.kind,
      databaseLocation: databaseLocation(config),
      version: VERSION,
      commit: buildCommit(),
    },
    bannerLine(config, port, firstUser, versionLine()),
  )

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
    stopFinishing()
    stopReleasing()
    await database.close()
    logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}
