import { randomUUID } from 'node:crypto'
import type { Server } from 'bun'
import type { Config } from './config'
import type { Database } from './db/client'
import { createLogger, type Logger } from './logger'
import { Metrics } from './metrics/registry'
import { AuditLog } from './audit/service'
import { TokenService } from './auth/tokens'
import { createSessionStore, type SessionStore } from './auth/session-lookup'

/** What every module is built from; one per app. */
export interface AppContext {
  /** Seeds plugin names, so two apps in one process never deduplicate each other's plugins. */
  id: string
  config: Config
  database: Database
  logger: Logger
  metrics: Metrics
  audit: AuditLog
  tokens: TokenService
  /** The per-request session queries of this database. */
  sessionStore: SessionStore
  /**
   * The server the app listens on, set once it does (src/cli/serve.ts): a
   * client's socket address comes from it. Kept here rather than read from
   * the request context, which Elysia would then equip with a server getter
   * on every request.
   */
  server: Server<unknown> | null
}

export interface AppDeps {
  database: Database
  logger?: Logger
}

export function createContext(config: Config, deps: AppDeps): AppContext {
  const logger = deps.logger ?? createLogger(config.logLevel)
  return {
    id: randomUUID(),
    config,
    database: deps.database,
    logger,
    metrics: new Metrics(),
    audit: new AuditLog(deps.database, logger),
    tokens: new TokenService(config.secretKey, config.accessTokenMinutes),
    sessionStore: createSessionStore(deps.database),
    server: null,
  }
}
