import { and, inArray, isNull } from 'drizzle-orm'
import { t } from 'elysia'
import type { AppContext } from '../context'
import type { AuthUser } from '../auth/plugin'
import { HttpError, ValidationFailed } from '../http/errors'
import { ID_MAX } from '../http/pagination'
import type { smsRateLimitGuard } from '../ratelimit/guard'
import { SMS_BODY_MAX } from './model'
import { requireText } from './service'
import { NO_PHONE, customerPhone } from './recipients'
import { CUSTOMER_NOT_FOUND } from '../customers/directory'
import type { SmsService } from './sms'
import { fullName } from './view'

export const BULK_MAX = 100

export const BulkSmsModel = {
  body: t.Object(
    {
      customer_ids: t.Array(t.Union([t.Integer({ minimum: 1, maximum: ID_MAX }), t.String({ pattern: '^[0-9]{1,10}$', maxLength: 10 })]), {
        minItems: 1,
        maxItems: BULK_MAX,
        description: `1..${BULK_MAX} customer ids (numbers or numeric strings); repeats are sent once`,
      }),
      message: t.String({ maxLength: SMS_BODY_MAX * 2, description: `1..${SMS_BODY_MAX} characters, the same for every recipient` }),
    },
    { title: 'BulkSmsRequest' },
  ),
  answer: t.Object(
    {
      total: t.Integer(),
      sent: t.Integer(),
      failed: t.Integer(),
      skipped: t.Integer(),
      results: t.Array(
        t.Object({
          customer_id: t.Integer(),
          customer_name: t.Nullable(t.String()),
          phone: t.Nullable(t.String()),
          status: t.String({ examples: ['sent', 'failed', 'skipped'] }),
          reason: t.Nullable(t.String({ examples: ['opted_out', 'rate_limited', 'no_phone', 'not_found', 'provider_error'] })),
          detail: t.Nullable(t.String({ description: 'The human-readable reason, e.g. the rate limiter message' })),
          communication_id: t.Nullable(t.Integer()),
        }),
      ),
    },
    { title: 'BulkSmsResult' },
  ),
}

type BulkResult = (typeof BulkSmsModel.answer.static)['results'][number]

/**
 * One message to many customers. Each recipient goes through exactly the
 * checks of a single send, one after the other (so the limiter sees every
 * send): opted out → skipped; a limit reached → skipped with the limiter's
 * message (nothing sent); the provider refusing → failed.
 */
export class BulkSmsService {
  constructor(
    private readonly ctx: AppContext,
    private readonly sms: SmsService,
    private readonly limit: ReturnType<typeof smsRateLimitGuard>,
  ) {}

  async send(user: Pick<AuthUser, 'id' | 'email'>, input: typeof BulkSmsModel.body.static, clientIp?: string) {
    const message = requireText('message', input.message, SMS_BODY_MAX)
    const ids = [...new Set(input.customer_ids.map(Number))]
    if (ids.some((id) => !Number.isInteger(id) || id < 1 || id > ID_MAX))
      throw ValidationFailed.field('customer_ids', `Each id must be between 1 and ${ID_MAX}`)
    this.sms.assertConfigured()
    const { customers } = this.ctx.database.tables
    const rows = await this.ctx.database.db
      .select({ id: customers.id, firstName: customers.firstName, lastName: customers.lastName, phone: customers.phone })
      .from(customers)
      .where(and(inArray(customers.id, ids), isNull(customers.deletedAt)))
    const byId = new Map(rows.map((row) => [row.id, row]))
    const results: BulkResult[] = []
    for (const id of ids) {
      const customer = byId.get(id)
      const base = {
        customer_id: id,
        customer_name: customer ? fullName(customer.firstName, customer.lastName) : null,
        communication_id: null,
      }
      const skip = (phone: string | null, reason: string, detail: string) =>
        results.push({ ...base, phone, status: 'skipped', reason, detail })
      if (!customer) {
        skip(null, 'not_found', CUSTOMER_NOT_FOUND)
        continue
      }
      const phone = customerPhone(customer, this.ctx.config.defaultCountry)
      if (!phone) {
        skip(customer.phone, 'no_phone', NO_PHONE)
        continue
      }
      if (await this.sms.isOptedOut(phone)) {
        skip(phone, 'opted_out', 'Recipient has opted out of SMS')
        continue
      }
      try {
        await this.limit.admit({ user, destination: phone, clientIp })
      } catch (error) {
        if (!(error instanceof HttpError) || error.status !== 429) throw error
        skip(phone, 'rate_limited', error.detail)
        continue
      }
      try {
        const sent = await this.sms.deliver(user, { to: phone, customerId: id, body: message })
        results.push({ ...base, phone, status: 'sent', reason: null, detail: null, communication_id: sent.id })
      } catch (error) {
        if (!(error instanceof HttpError) || error.status !== 502) throw error
        results.push({ ...base, phone, status: 'failed', reason: 'provider_error', detail: error.detail })
      }
    }
    const counted = (status: string) => results.filter((result) => result.status === status).length
    this.ctx.logger.info(
      { userId: user.id, total: results.length, sent: counted('sent'), failed: counted('failed'), skipped: counted('skipped') },
      'bulk sms finished',
    )
    return { total: results.length, sent: counted('sent'), failed: counted('failed'), skipped: counted('skipped'), results }
  }
}
