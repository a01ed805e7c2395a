import type { Config } from '../config'

/** The three SMS windows (user per minute, user per hour, destination per hour), in the order they are checked. */
const WINDOW_NAMES = ['minute', 'hour', 'destination'] as const
export type WindowName = (typeof WINDOW_NAMES)[number]

interface WindowRule {
  name: WindowName
  limit: number
  windowMs: number
  /** Which key's events the window counts: the sender's or the destination's. */
  subject: 'user' | 'destination'
}

export type SmsPolicy = readonly [WindowRule, WindowRule, WindowRule]

export function smsPolicy(config: Pick<Config, 'smsPerMinute' | 'smsPerHour' | 'smsPerDestinationHour'>): SmsPolicy {
  return [
    { name: 'minute', limit: config.smsPerMinute, windowMs: 60_000, subject: 'user' },
    { name: 'hour', limit: config.smsPerHour, windowMs: 3_600_000, subject: 'user' },
    { name: 'destination', limit: config.smsPerDestinationHour, windowMs: 3_600_000, subject: 'destination' },
  ]
}

/** Events older than this are never counted again and may be pruned. */
export function longestWindowMs(policy: SmsPolicy): number {
  return Math.max(...policy.map((rule) => rule.windowMs))
}

export const userKey = (userId: number) => `user:${userId}`
export const destinationKey = (e164: string) => `dest:${e164}`

/**
 * What a store saw for one window, inside its lock: how many events are in
 * the window, the oldest of them, and (when the window is full) the event
 * whose expiry would let one more through.
 */
export interface WindowCount {
  count: number
  oldestAt: number | null
  /** The (count - limit)th oldest event (0-based) when count >= limit; else null. */
  releaseAt: number | null
}

export interface WindowSnapshot {
  now: number
  counts: Record<WindowName, WindowCount>
}

export type LimitDecision =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; limit: WindowName; retryAfter: number; headers: Record<string, string> }

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000))

function policyHeader(policy: SmsPolicy): string {
  return policy.map((rule) => `"${rule.name}";q=${rule.limit};w=${rule.windowMs / 1000}`).join(', ')
}

/**
 * Decides from a snapshot taken inside the store's lock. The first exceeded
 * window names the 429; Retry-After is when the request would pass, i.e. the
 * latest release time over every exceeded window.
 */
export function evaluate(policy: SmsPolicy, snapshot: WindowSnapshot): LimitDecision {
  const { now, counts } = snapshot
  const policyValue = policyHeader(policy)
  const exceeded = policy.filter((rule) => counts[rule.name].count >= rule.limit)
  const [first] = exceeded
  if (first) {
    let waitMs = 0
    for (const rule of exceeded) {
      const releaseAt = counts[rule.name].releaseAt ?? counts[rule.name].oldestAt ?? now
      waitMs = Math.max(waitMs, releaseAt + rule.windowMs - now)
    }
    const retryAfter = seconds(waitMs)
    return {
      ok: false,
      limit: first.name,
      retryAfter,
      headers: { 'RateLimit-Policy': policyValue, RateLimit: `"${first.name}";r=0;t=${retryAfter}` },
    }
  }
  return { ok: true, headers: { 'RateLimit-Policy': policyValue, RateLimit: remainingHeader(policy, snapshot) } }
}

/**
 * `RateLimit` after an accepted send lists every window, in policy order (the
 * httpapi draft allows one item per policy): `r` what is left after this send,
 * `t` when that window next frees a unit (its oldest counted event, this send
 * included, leaves it). The most restrictive window is the item with least `r`.
 */
function remainingHeader(policy: SmsPolicy, snapshot: WindowSnapshot): string {
  return policy
    .map((rule) => {
      const seen = snapshot.counts[rule.name]
      const remaining = Math.max(0, rule.limit - seen.count - 1)
      const reset = seconds((seen.oldestAt ?? snapshot.now) + rule.windowMs - snapshot.now)
      return `"${rule.name}";r=${remaining};t=${reset}`
    })
    .join(', ')
}

const LIMIT_DESCRIPTIONS: Record<WindowName, (limit: number) => string> = {
  minute: (limit) => `Per-minute limit (${limit}/min)`,
  hour: (limit) => `Per-hour limit (${limit}/hour)`,
  destination: (limit) => `Per-destination limit (${limit}/hour to same number)`,
}

export function exceededDetail(policy: SmsPolicy, limit: WindowName, retryAfter: number): string {
  const rule = policy.find((r) => r.name === limit)
  if (!rule) throw new Error(`no ${limit} window in the SMS policy`)
  return `Rate limit exceeded: ${LIMIT_DESCRIPTIONS[limit](rule.limit)}. Retry after ${retryAfter} seconds.`
}
