import { and, asc, eq, isNull, sql } from 'drizzle-orm'
import type { AppContext } from '../context'
import { ValidationFailed } from '../http/errors'
import { maskPhone } from '../logger'
import { OptOutService } from '../optouts/service'
import { toE164 } from '../phone/normalize'
import { firstParam as rawParam, type TwilioParams } from './form'

/** PostgreSQL text cannot hold NUL: Twilio never sends one, and a signed request that does is stored without it (a 4xx would only make Twilio retry). */
const firstParam = (params: TwilioParams, name: string) => rawParam(params, name)?.replaceAll('\u0000', '')

/** Replies that withdraw consent (compared trimmed, in any case). */
const OPT_OUT_KEYWORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'])
/** Replies that give it back. */
const OPT_IN_KEYWORDS = new Set(['START', 'UNSTOP', 'YES'])

/**
 * Delivery statuses in the order Twilio moves through them; a callback may
 * arrive late, so a status only ever replaces one of a lower rank.
 */
export const STATUS_RANK: Record<string, number> = {
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  read: 4,
}

/** Twilio error 21610: the recipient replied STOP to this sender; Twilio refuses further messages. */
const OPT_OUT_ERROR_CODES = new Set(['21610'])

const MAX_MEDIA = 10 // Twilio's limit per message

export type OptOutChange = 'opted_out' | 'opted_in' | undefined

/** What an inbound message asks for: Twilio's OptOutType (Advanced Opt-Out) wins over our keyword list. */
export function optOutChange(body: string | undefined, optOutType: string | undefined): OptOutChange {
  const type = optOutType?.trim().toUpperCase()
  if (type === 'STOP') return 'opted_out'
  if (type === 'START') return 'opted_in'
  const keyword = body?.trim().toUpperCase() ?? ''
  if (OPT_OUT_KEYWORDS.has(keyword)) return 'opted_out'
  if (OPT_IN_KEYWORDS.has(keyword)) return 'opted_in'
  return undefined
}

function required(params: TwilioParams, names: string[], field: string): string {
  for (const name of names) {
    const value = firstParam(params, name)?.trim()
    if (value) {
      if (value.length > 255) throw new ValidationFailed(field, 'Too long')
      return value
    }
  }
  throw new ValidationFailed(field, 'Required')
}

/** MediaUrl0..N-1 for NumMedia = N; without NumMedia, the consecutive MediaUrlK present. */
function mediaUrls(params: TwilioParams): string[] {
  const declared = Number(firstParam(params, 'NumMedia'))
  const count = Number.isInteger(declared) && declared >= 0 ? Math.min(declared, MAX_MEDIA) : MAX_MEDIA
  const urls: string[] = []
  for (let i = 0; i < count; i++) {
    const url = firstParam(params, `MediaUrl${i}`)?.trim()
    if (url) urls.push(url)
    else if (Number.isNaN(declared)) break
  }
  return urls
}

export type InboundResult = { stored: boolean; id?: number; optOut: OptOutChange }
export type StatusResult = { applied: boolean }

export class WebhookService {
  private readonly optOuts: OptOutService

  constructor(private readonly ctx: AppContext) {
    this.optOuts = new OptOutService(ctx.database)
  }

  /** Stores an inbound SMS once per MessageSid and applies STOP/START for the sender's number. */
  async recordInbound(params: TwilioParams): Promise<InboundResult> {
    const { db, tables } = this.ctx.database
    const { communications, customers } = tables
    const sid = required(params, ['MessageSid', 'SmsMessageSid', 'SmsSid'], 'MessageSid')
    const from = required(params, ['From'], 'From')
    const to = required(params, ['To'], 'To')
    const body = firstParam(params, 'Body') ?? ''
    const fromE164 = toE164(from, this.ctx.config.defaultCountry)

    const change = optOutChange(body, firstParam(params, 'OptOutType'))
    if (change && fromE164) {
      // Twilio retries until it gets a 2xx: a stale retry of an old STOP must not undo a later START.
      const [existing] = await db.select({ id: communications.id }).from(communications).where(eq(communications.externalId, sid)).limit(1)
      if (existing) return { stored: false, id: existing.id, optOut: undefined }
      // Consent before the insert: a crash in between is retried by Twilio and redoes both steps.
      await this.optOuts.set(fromE164, change === 'opted_out')
    }

    let customerId: number | null = null
    if (fromE164) {
      const [customer] = await db
        .select({ id: customers.id })
        .from(customers)
        .where(and(eq(customers.phone, fromE164), isNull(customers.deletedAt)))
        .orderBy(asc(customers.id))
        .limit(1)
      customerId = customer?.id ?? null
    }

    const media = mediaUrls(params)
    const now = new Date()
    const inserted = await db
      .insert(communications)
      .values({
        type: 'sms',
        direction: 'inbound',
        status: 'received',
        fromAddress: fromE164 ?? from,
        toAddress: toE164(to, this.ctx.config.defaultCountry) ?? to,
        content: body,
        externalId: sid,
        customerId,
        mediaUrls: media.length ? media : null,
        createdAt: now,
        updatedAt: now,
      })
      // Two deliveries of one sid racing past the check above: the unique index keeps one.
      .onConflictDoNothing({ target: communications.externalId })
      .returning({ id: communications.id })
    const row = inserted[0]
    if (row) this.ctx.metrics.messages.inc({ channel: 'sms', direction: 'inbound', status: 'received' })
    this.ctx.logger.info(
      { messageSid: sid, from: maskPhone(fromE164 ?? from), customerId, media: media.length, optOut: change ?? null, duplicate: !row },
      'inbound SMS received',
    )
    return { stored: row !== undefined, id: row?.id, optOut: change }
  }

  /**
   * Applies a delivery status to the outbound message with that sid. One
   * conditional UPDATE compares ranks in the database, so concurrent or late
   * callbacks can never move a status backwards on either dialect.
   */
  async applyStatus(params: TwilioParams): Promise<StatusResult> {
    const { db, tables } = this.ctx.database
    const { communications } = tables
    const sid = required(params, ['MessageSid', 'SmsSid', 'SmsMessageSid'], 'MessageSid')
    const status = required(params, ['MessageStatus', 'SmsStatus'], 'MessageStatus').toLowerCase()
    const errorCode = firstParam(params, 'ErrorCode')?.trim().slice(0, 32) || undefined
    const errorMessage = firstParam(params, 'ErrorMessage')?.trim().slice(0, 500) || undefined

    const rank = STATUS_RANK[status]
    let applied = false
    if (rank !== undefined) {
      // Statuses outside the list (e.g. an "accepted" stored at send time) rank -1: anything known replaces them.
      const rankCases = sql.raw(
        `${Object.entries(STATUS_RANK).map(([name, value]) => `WHEN '${name}' THEN ${value}`).join(' ')} ELSE -1 END`,
      )
      const updated = await db
        .update(communications)
        .set({
          status,
          ...(errorCode !== undefined ? { errorCode } : {}),
          ...(errorMessage !== undefined ? { errorMessage } : {}),
          updatedAt: new Date(),
        })
        .where(
          and(
            eq(communications.externalId, sid),
            eq(communications.direction, 'outbound'),
            sql`(CASE ${communications.status} ${rankCases}) < ${sql.raw(String(rank))}`,
          ),
        )
        .returning({ id: communications.id })
      applied = updated.length > 0
      if (applied) this.ctx.metrics.messages.inc({ channel: 'sms', direction: 'outbound', status })
    }

    // The refusal is a fact about the number whatever the callback order, so it applies even to a late callback.
    if (errorCode !== undefined && OPT_OUT_ERROR_CODES.has(errorCode)) {
      const address = await this.outboundAddress(sid)
      const phone = address ? toE164(address, this.ctx.config.defaultCountry) : undefined
      if (phone) await this.optOuts.set(phone, true)
    }
    this.ctx.logger.info({ messageSid: sid, status, errorCode: errorCode ?? null, applied }, 'SMS status callback')
    return { applied }
  }

  private async outboundAddress(sid: string): Promise<string | undefined> {
    const { communications } = this.ctx.database.tables
    const [row] = await this.ctx.database.db
      .select({ to: communications.toAddress })
      .from(communications)
      .where(and(eq(communications.externalId, sid), eq(communications.direction, 'outbound')))
      .limit(1)
    return row?.to
  }
}
