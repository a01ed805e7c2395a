import { and, eq, sql } from 'drizzle-orm'
import type { AppContext } from '../context'
import { ValidationFailed } from '../http/errors'
import { maskPhone } from '../logger'
import { OptOutService } from '../optouts/service'
import { optOutChange, type OptOutChange } from '../optouts/keywords'
import { toE164 } from '../phone/normalize'
import { firstParam as rawParam, type TwilioParams } from './form'
import { createInboundStore, type InboundStore } from './inbound-store'
import { MAX_STATUS_LENGTH, STATUS_RANK, UNKNOWN_STATUS_RANK, knownStatus, rankCaseArms } from './status-order'

/** PostgreSQL text cannot hold NUL: Twilio never sends one, and a signed request that does is stored without it (a 4xx would only make Twilio retry). */
const firstParam = (params: TwilioParams, name: string) => rawParam(params, name)?.replaceAll('\u0000', '')

/** Twilio error 21610: the recipient replied STOP to this sender; Twilio refuses further messages. */
const OPT_OUT_ERROR_CODES = new Set(['21610'])

const MAX_MEDIA = 10 // Twilio's limit per message

/** MessageStatus (or the older SmsStatus), trimmed; only its absence is an error. */
function statusParam(params: TwilioParams): string {
  for (const name of ['MessageStatus', 'SmsStatus']) {
    const value = firstParam(params, name)?.trim()
    if (value) return value
  }
  throw ValidationFailed.field('MessageStatus', 'Required')
}

function required(params: TwilioParams, names: string[], field: string): string {
  for (const name of names) {
    const value = firstParam(params, name)?.trim()
    if (value) {
      if (value.length > 255) throw ValidationFailed.field(field, 'Too long')
      return value
    }
  }
  throw ValidationFailed.field(field, 'Required')
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

  private readonly inbound: InboundStore
  /** Our own Twilio numbers as E.164: a handful of values, normalised once each rather than per message. */
  private readonly ownNumbers = new Map<string, string>()

  constructor(private readonly ctx: AppContext) {
    this.optOuts = new OptOutService(ctx.database)
    this.inbound = createInboundStore(ctx.database)
  }

  private ownNumber(to: string): string {
    let normalised = this.ownNumbers.get(to)
    if (normalised === undefined) {
      normalised = toE164(to, this.ctx.config.defaultCountry) ?? to
      if (this.ownNumbers.size < 64) this.ownNumbers.set(to, normalised)
    }
    return normalised
  }

  /** Stores an inbound SMS once per MessageSid and applies STOP/START for the sender's number. */
  async recordInbound(params: TwilioParams): Promise<InboundResult> {
    const sid = required(params, ['MessageSid', 'SmsMessageSid', 'SmsSid'], 'MessageSid')
    const from = required(params, ['From'], 'From')
    const to = required(params, ['To'], 'To')
    const body = firstParam(params, 'Body') ?? ''
    const fromE164 = toE164(from, this.ctx.config.defaultCountry)

    const change = optOutChange(body, firstParam(params, 'OptOutType'))
    const media = mediaUrls(params)
    // The consent change is stored with the message, and only with a new one (inbound-store.ts).
    const stored = await this.inbound.insert({
      sid,
      from,
      to: this.ownNumber(to),
      fromE164,
      content: body,
      mediaUrls: media.length ? media : null,
      at: new Date(),
      optOut: change === undefined ? undefined : change === 'opted_out',
    })
    const customerId = stored?.customerId ?? null
    if (stored) this.ctx.metrics.messages.inc({ channel: 'sms', direction: 'inbound', status: 'received' })
    if (this.ctx.logger.isLevelEnabled('info')) {
      this.ctx.logger.info(
        { messageSid: sid, from: maskPhone(fromE164 ?? from), customerId, media: media.length, optOut: change ?? null, duplicate: !stored },
        'inbound SMS received',
      )
    }
    return { stored: stored !== undefined, id: stored?.id, optOut: stored ? change : undefined }
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
    const reported = statusParam(params)
    const known = knownStatus(reported)
    // Twilio retries anything but a 2xx, so a status it adds later is kept as sent rather than refused.
    const status = known ?? reported.slice(0, MAX_STATUS_LENGTH)
    const rank = (known === undefined ? undefined : STATUS_RANK[known]) ?? UNKNOWN_STATUS_RANK
    const errorCode = firstParam(params, 'ErrorCode')?.trim().slice(0, 32) || undefined
    const errorMessage = firstParam(params, 'ErrorMessage')?.trim().slice(0, 500) || undefined

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
          sql`(CASE ${communications.status} ${sql.raw(rankCaseArms())}) < ${sql.raw(String(rank))}`,
        ),
      )
      .returning({ id: communications.id })
    const applied = updated.length > 0
    // Metric labels stay a fixed set whatever Twilio sends.
    if (applied) this.ctx.metrics.messages.inc({ channel: 'sms', direction: 'outbound', status: known ?? 'other' })

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
