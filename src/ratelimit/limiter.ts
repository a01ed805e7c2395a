import type { Config } from '../config'
import type { Database } from '../db/client'
import { PgLimiterStore } from './pg-store'
import { destinationKey, smsPolicy, userKey, type LimitDecision, type SmsPolicy } from './policy'
import { SqliteLimiterStore } from './sqlite-store'
import type { LimiterStore } from './store'

export interface SmsLimitRequest {
  userId: number
  /** The destination in E.164. */
  destination: string
}

/** The store of this database, chosen once. */
export function createLimiterStore(database: Database, policy: SmsPolicy): LimiterStore {
  return database.kind === 'sqlite' ? new SqliteLimiterStore(database.handle, policy) : new PgLimiterStore(database.sql, policy)
}

/**
 * The SMS limiter: per user per minute, per user per hour, per
 * destination per hour, rolling windows, exact under concurrency. `consume`
 * records the send only when it is accepted.
 */
export class SmsLimiter {
  readonly policy: SmsPolicy
  private readonly store: LimiterStore

  constructor(database: Database, config: Pick<Config, 'smsPerMinute' | 'smsPerHour' | 'smsPerDestinationHour'>) {
    this.policy = smsPolicy(config)
    this.store = createLimiterStore(database, this.policy)
  }

  async consume(request: SmsLimitRequest): Promise<LimitDecision> {
    return this.store.consume(userKey(request.userId), destinationKey(request.destination))
  }
}
