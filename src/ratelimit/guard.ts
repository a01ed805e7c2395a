import type { AppContext } from '../context'
import { TooManyRequests } from '../http/errors'
import { maskPhone } from '../logger'
import { SmsLimiter } from './limiter'
import { exceededDetail } from './policy'

export interface SmsAdmission {
  user: { id: number; email: string }
  destination: string
  clientIp?: string
}

/**
 * The HTTP side of the limiter: admits one send or throws the 429 naming the full window
 * (audited and counted). Returns the RateLimit headers for the success answer.
 */
export function smsRateLimitGuard(ctx: AppContext) {
  const limiter = new SmsLimiter(ctx.database, ctx.config)
  return {
    async admit(input: SmsAdmission): Promise<Record<string, string>> {
      const decision = await limiter.consume({ userId: input.user.id, destination: input.destination })
      if (decision.ok) return decision.headers
      ctx.metrics.rateLimited.inc({ limit: decision.limit })
      ctx.logger.warn({ userId: input.user.id, limit: decision.limit, to: maskPhone(input.destination) }, 'sms rate limit exceeded')
      await ctx.audit.record({
        action: 'ratelimit.exceeded',
        userId: input.user.id,
        actorEmail: input.user.email,
        target: maskPhone(input.destination),
        ip: input.clientIp,
        details: { limit: decision.limit, retry_after: decision.retryAfter },
      })
      throw new TooManyRequests(exceededDetail(limiter.policy, decision.limit, decision.retryAfter), decision.retryAfter, decision.headers)
    },
  }
}
