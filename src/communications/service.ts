import { and, asc, count, eq, isNull, sql, type SQL } from 'drizzle-orm'
import type { AppContext } from '../context'
import type { AuthUser } from '../auth/plugin'
import { NotFound, ValidationFailed } from '../http/errors'
import { toE164 } from '../phone/normalize'
import { emailAddressProblem, normalizeEmailAddress } from '../email/address'
import { fullName, historyItem, type CommunicationRow } from './view'
import { messagesWithCustomerNames } from './listing'
import { visibleTo } from './visibility'
import { onlyRow } from '../db/rows'
import { ID_MAX, pageWindow } from '../http/pagination'

export interface Recipient {
  /** E.164 for SMS, a normalised address for e-mail. */
  to: string
  customerId: number | null
}

export interface NewOutbound {
  type: 'sms' | 'email'
  to: string
  from: string | null
  subject?: string | null
  content: string
  customerId: number | null
  userId: number
}

export interface HistoryQuery {
  customer_id?: number
  type?: 'sms' | 'email'
  message_type?: 'sms' | 'email'
  direction?: 'inbound' | 'outbound'
  page?: number
  page_size?: number
}

/** Text length as a person counts it: Unicode code points, not UTF-16 units. */
function codePoints(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

/** Required text of 1..max code points that is not only whitespace; 422 naming the field otherwise. */
export function requireText(field: string, value: string, max: number): string {
  if (value.trim() === '') throw new ValidationFailed(field, 'Must not be empty')
  if (codePoints(value) > max) throw new ValidationFailed(field, `Must be at most ${max} characters`)
  return value
}

/** Records of SMS and e-mail, who they go to, and who may see them. No HTTP here. */
export class CommunicationService {
  constructor(private readonly ctx: AppContext) {}

  private get db() {
    return this.ctx.database.db
  }

  private get tables() {
    return this.ctx.database.tables
  }

  /** A live (not deleted) customer, or 404 "Customer not found". */
  private async customer(id: number) {
    const { customers } = this.tables
    const [row] = await this.db
      .select({ id: customers.id, phone: customers.phone, email: customers.email })
      .from(customers)
      .where(and(eq(customers.id, id), isNull(customers.deletedAt)))
    if (!row) throw new NotFound('Customer not found')
    return row
  }

  /** The SMS destination in E.164 and the customer it belongs to, from `to` and/or `customer_id`. */
  async smsRecipient(input: { to?: string | null; customer_id?: number | null }): Promise<Recipient> {
    const country = this.ctx.config.defaultCountry
    let to: string | undefined
    if (input.to !== undefined && input.to !== null) {
      to = toE164(input.to, country)
      if (!to) throw new ValidationFailed('to', 'Invalid phone number')
    }
    if (input.customer_id !== undefined && input.customer_id !== null) {
      const customer = await this.customer(input.customer_id)
      if (!to) {
        to = customer.phone ? toE164(customer.phone, country) : undefined
        if (!to) throw new ValidationFailed('customer_id', 'Customer has no phone number')
      }
      return { to, customerId: customer.id }
    }
    if (!to) throw new ValidationFailed('to', 'Give a phone number in `to` or a `customer_id`')
    return { to, customerId: await this.customerIdByPhone(to) }
  }

  async emailRecipient(input: { to?: string | null; customer_id?: number | null }): Promise<Recipient> {
    let to: string | undefined
    if (input.to !== undefined && input.to !== null) {
      to = normalizeEmailAddress(input.to)
      if (!to) throw new ValidationFailed('to', emailAddressProblem(input.to) ?? 'Invalid email address')
    }
    if (input.customer_id !== undefined && input.customer_id !== null) {
      const customer = await this.customer(input.customer_id)
      if (!to) {
        to = customer.email ? normalizeEmailAddress(customer.email) : undefined
        if (!to)
          throw new ValidationFailed(
            'customer_id',
            customer.email
              ? `Customer's e-mail address cannot be used (${emailAddressProblem(customer.email)})`
              : 'Customer has no e-mail address',
          )
      }
      return { to, customerId: customer.id }
    }
    if (!to) throw new ValidationFailed('to', 'Give an e-mail address in `to` or a `customer_id`')
    return { to, customerId: await this.customerIdByEmail(to) }
  }

  /** The oldest live customer with this phone (stored as E.164), if any. */
  async customerIdByPhone(e164: string): Promise<number | null> {
    const { customers } = this.tables
    const [row] = await this.db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.phone, e164), isNull(customers.deletedAt)))
      .orderBy(asc(customers.id))
      .limit(1)
    return row?.id ?? null
  }

  async customerIdByEmail(address: string): Promise<number | null> {
    const { customers } = this.tables
    const [row] = await this.db
      .select({ id: customers.id })
      .from(customers)
      .where(and(sql`lower(${customers.email}) = ${address.toLowerCase()}`, isNull(customers.deletedAt)))
      .orderBy(asc(customers.id))
      .limit(1)
    return row?.id ?? null
  }

  /** Written before the provider is called, so a failure still leaves a record. */
  async createOutbound(input: NewOutbound): Promise<CommunicationRow> {
    const now = new Date()
    const rows = await this.db
      .insert(this.tables.communications)
      .values({
        type: input.type,
        direction: 'outbound',
        status: 'queued',
        toAddress: input.to,
        fromAddress: input.from,
        // The other party: the conversation an SMS belongs to.
        peerAddress: input.to,
        subject: input.subject ?? null,
        content: input.content,
        customerId: input.customerId,
        userId: input.userId,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
    return onlyRow(rows)
  }

  async markAccepted(id: number, update: { status: string; externalId: string | null; from: string | null }): Promise<CommunicationRow> {
    const { communications } = this.tables
    const rows = await this.db
      .update(communications)
      .set({ status: update.status, externalId: update.externalId, fromAddress: update.from, updatedAt: new Date() })
      .where(eq(communications.id, id))
      .returning()
    return onlyRow(rows)
  }

  async markFailed(id: number, error: { code: string | null; message: string }): Promise<CommunicationRow> {
    const { communications } = this.tables
    const rows = await this.db
      .update(communications)
      .set({ status: 'failed', errorCode: error.code, errorMessage: error.message.slice(0, 1000), updatedAt: new Date() })
      .where(eq(communications.id, id))
      .returning()
    return onlyRow(rows)
  }

  /**
   * Newest first. Without `view_all_communications` a user sees what they
   * sent plus inbound messages (which belong to the whole office).
   */
  async history(user: Pick<AuthUser, 'id' | 'role'>, query: HistoryQuery) {
    const { page, pageSize, offset } = pageWindow(query)
    if (query.customer_id !== undefined && (query.customer_id < 1 || query.customer_id > ID_MAX)) {
      throw new ValidationFailed('customer_id', `Must be between 1 and ${ID_MAX}`)
    }
    if (query.type && query.message_type && query.type !== query.message_type)
      throw new ValidationFailed('message_type', 'Differs from `type`')
    const type = query.type ?? query.message_type
    const { communications } = this.tables
    const filters: SQL[] = []
    if (query.customer_id !== undefined) filters.push(eq(communications.customerId, query.customer_id))
    if (type) filters.push(eq(communications.type, type))
    if (query.direction) filters.push(eq(communications.direction, query.direction))
    const visible = visibleTo(communications, user)
    if (visible) filters.push(visible)
    const where = filters.length ? and(...filters) : undefined
    const [rows, [total]] = await Promise.all([
      messagesWithCustomerNames(this.ctx.database, where, { limit: pageSize, offset }),
      this.db.select({ value: count() }).from(communications).where(where),
    ])
    return {
      items: rows.map(({ row, firstName, lastName }) => historyItem(row, fullName(firstName, lastName))),
      total: total?.value ?? 0,
      page,
      page_size: pageSize,
    }
  }
}
