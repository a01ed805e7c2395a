import type { Config } from '../config'
import type { Database } from '../db/client'
import { PgLimiterStore } from './pg-store'
import { destinationKey, smsPolicy, userKey, type LimitDecision, type SmsPolicy } from './policy'
import { SqliteLimiterStore } from './sqlite-store'

export interface SmsLimitRequest {
  userId: number
  /** The destination in E.164. */
  destination: string
}

/**
 * The SMS limiter: per user per minute, per user per hour, per
 * destination per hour, rolling windows, exact under concurrency. `consume`
 * records the send only when it is accepted.
 */
export class SmsLimiter {
  readonly policy: SmsPolicy
  private readonly store: { consume(userKey: string, destinationKey: string): LimitDecision | Promise<LimitDecision> }

  constructor(database: Database, config: Pick<Config, 'smsPerMinute' | 'smsPerHour' | 'smsPerDestinationHour'>) {
    this.policy = smsPolicy(config)
    if (database.kind === 'sqlite') this.store = new SqliteLimiterStore(database.sqlite!, this.policy)
    else this.store = new PgLimiterStore(database.pg!, this.policy)
  }

  async consume(request: SmsLimitRequest): Promise<LimitDecision> {
    return this.store.consume(userKey(request.userId), destinationKey(request.destination))
  }
}
