import { and, count, eq, type SQL } from 'drizzle-orm'
import type { Database } from '../db/client'
import type { AuthUser } from '../auth/plugin'
import { ValidationFailed } from '../http/errors'
import { fullName, historyItem, type CommunicationRow } from './view'
import { messagesWithCustomerNames } from './listing'
import type { Recipient } from './recipients'
import { visibleTo } from './visibility'
import { onlyRow } from '../db/rows'
import { ID_MAX, pageOf, pageWindow } from '../http/pagination'

/** A message ready to send: who it goes to, and what. */
export interface OutboundDraft extends Recipient {
  subject?: string
  body: string
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
  if (value.trim() === '') throw ValidationFailed.field(field, 'Must not be empty')
  if (codePoints(value) > max) throw ValidationFailed.field(field, `Must be at most ${max} characters`)
  return value
}

/** Records of SMS and e-mail, and who may see them. No HTTP here. */
export class CommunicationService {
  constructor(private readonly database: Database) {}

  /** Written before the provider is called, so a failure still leaves a record. */
  async createOutbound(
    type: 'sms' | 'email',
    sender: { userId: number; from: string | null },
    draft: OutboundDraft,
  ): Promise<CommunicationRow> {
    const now = new Date()
    const rows = await this.database.db
      .insert(this.database.tables.communications)
      .values({
        type,
        direction: 'outbound',
        status: 'queued',
        toAddress: draft.to,
        fromAddress: sender.from,
        // The other party: the conversation an SMS belongs to.
        peerAddress: draft.to,
        subject: draft.subject ?? null,
        content: draft.body,
        customerId: draft.customerId,
        userId: sender.userId,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
    return onlyRow(rows)
  }

  async markAccepted(id: number, update: { status: string; externalId: string | null; from: string | null }): Promise<CommunicationRow> {
    const { communications } = this.database.tables
    const rows = await this.database.db
      .update(communications)
      .set({ status: update.status, externalId: update.externalId, fromAddress: update.from, updatedAt: new Date() })
      .where(eq(communications.id, id))
      .returning()
    return onlyRow(rows)
  }

  async markFailed(id: number, error: { code: string | null; message: string }): Promise<CommunicationRow> {
    const { communications } = this.database.tables
    const rows = await this.database.db
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
    const window = pageWindow(query)
    if (query.customer_id !== undefined && (query.customer_id < 1 || query.customer_id > ID_MAX)) {
      throw ValidationFailed.field('customer_id', `Must be between 1 and ${ID_MAX}`)
    }
    if (query.type && query.message_type && query.type !== query.message_type)
      throw ValidationFailed.field('message_type', 'Differs from `type`')
    const type = query.type ?? query.message_type
    const { communications } = this.database.tables
    const filters: SQL[] = []
    if (query.customer_id !== undefined) filters.push(eq(communications.customerId, query.customer_id))
    if (type) filters.push(eq(communications.type, type))
    if (query.direction) filters.push(eq(communications.direction, query.direction))
    const visible = visibleTo(communications, user)
    if (visible) filters.push(visible)
    const where = filters.length ? and(...filters) : undefined
    const [rows, [total]] = await Promise.all([
      messagesWithCustomerNames(this.database, where, { limit: window.pageSize, offset: window.offset }),
      this.database.db.select({ value: count() }).from(communications).where(where),
    ])
    const items = rows.map(({ row, firstName, lastName }) => historyItem(row, fullName(firstName, lastName)))
    return pageOf(items, total?.value ?? 0, window)
  }
}
