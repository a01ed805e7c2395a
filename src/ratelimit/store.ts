import type { LimitDecision } from './policy'

/** Where the windows are counted: one implementation per database, each exact under concurrency across processes. */
export interface LimiterStore {
  /** Counts every window of both keys and, only when all have room, records one event per key. */
  consume(userKey: string, destinationKey: string): LimitDecision | Promise<LimitDecision>
}
