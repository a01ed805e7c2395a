import { randomUUID } from 'node:crypto'
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
  }
}
