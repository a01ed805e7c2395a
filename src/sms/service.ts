import { and, asc, count, countDistinct, desc, eq, inArray, isNotNull, isNull, lt, max, or, sql, type SQL } from 'drizzle-orm'
import type { AppContext } from '../context'
import type { AuthUser } from '../auth/plugin'
import { NotFound } from '../http/errors'
import { pageOf, pageWindow, type PageRequest } from '../http/pagination'
import { toE164 } from '../phone/normalize'
import { containsPattern, searchNeedles } from '../customers/search'
import { fullName, sentAt, type CommunicationRow } from '../communications/view'
import { visibleTo } from '../communications/visibility'
import { customerPhone } from '../communications/recipients'
import { CustomerDirectory, type CustomerRow } from '../customers/directory'
import { THREAD_LIMIT_DEFAULT } from './model'

type Viewer = Pick<AuthUser, 'id' | 'role'>

interface Party {
  id: number
  name: string | null
  phone: string | null
}

const CONVERSATION_NOT_FOUND = 'Conversation not found'

const partyOf = (customer: Pick<CustomerRow, 'id' | 'firstName' | 'lastName' | 'phone'>): Party => ({
  id: customer.id,
  name: fullName(customer.firstName, customer.lastName),
  phone: customer.phone,
})

function messageView(row: CommunicationRow) {
  return {
    id: row.id,
    content: row.content,
    direction: row.direction,
    status: row.status,
    from_phone: row.fromAddress,
    to_phone: row.toAddress,
    media_urls: row.mediaUrls ?? [],
    customer_id: row.customerId,
    read_at: row.readAt?.toISOString() ?? null,
    sent_at: sentAt(row),
    queued_at: row.createdAt.toISOString(),
    created_at: row.createdAt.toISOString(),
  }
}

/**
 * SMS threads: every SMS exchanged with one number (communications.peer_address,
 * E.164), which is also the thread's id. What a user sees follows the
 * history's rule (visibleTo): counts, previews and messages alike.
 */
export class ConversationService {
  private readonly directory: CustomerDirectory

  constructor(private readonly ctx: AppContext) {
    this.directory = new CustomerDirectory(ctx.database)
  }

  private get db() {
    return this.ctx.database.db
  }

  private get tables() {
    return this.ctx.database.tables
  }

  /** A path id as the thread key: E.164 (a national number of DEFAULT_COUNTRY is read as one), else 404. */
  parseId(raw: string): string {
    let decoded = raw
    try {
      decoded = decodeURIComponent(raw)
    } catch {
      throw new NotFound(CONVERSATION_NOT_FOUND)
    }
    const e164 = decoded.length <= 64 ? toE164(decoded, this.ctx.config.defaultCountry) : undefined
    if (!e164) throw new NotFound(CONVERSATION_NOT_FOUND)
    return e164
  }

  private visibleSms(user: Viewer): SQL | undefined {
    const { communications } = this.tables
    return and(eq(communications.type, 'sms'), isNotNull(communications.peerAddress), visibleTo(communications, user))
  }

  /** Threads with a message matching `term` in its text, number, or its customer's name. */
  private matching(user: Viewer, term: string): SQL | undefined {
    const needles = searchNeedles(term, this.ctx.config.defaultCountry)
    if (!needles.length) return undefined
    const { communications, customers } = this.tables
    const likeAny = (column: SQL) => or(...needles.map((needle) => sql`${column} LIKE ${containsPattern(needle)} ESCAPE '\\'`))
    const namedPhones = this.db
      .select({ phone: customers.phone })
      .from(customers)
      .where(and(isNull(customers.deletedAt), isNotNull(customers.phone), likeAny(sql`${customers.searchText}`)))
    const peers = this.db
      .selectDistinct({ peer: communications.peerAddress })
      .from(communications)
      .where(and(this.visibleSms(user), or(likeAny(sql`lower(${communications.content})`), likeAny(sql`${communications.peerAddress}`))))
    return or(inArray(communications.peerAddress, peers), inArray(communications.peerAddress, namedPhones))
  }

  async list(user: Viewer, query: PageRequest & { search?: string }) {
    const window = pageWindow(query)
    const { communications } = this.tables
    const term = query.search?.trim() ?? ''
    let where = this.visibleSms(user)
    if (term !== '') {
      const matching = this.matching(user, term)
      if (!matching) return pageOf([], 0, window)
      where = and(where, matching)
    }
    const unread = sql<number>`cast(sum(case when ${communications.direction} = 'inbound' and ${communications.readAt} is null then 1 else 0 end) as integer)`
    const lastId = max(communications.id)
    const [groups, [counted]] = await Promise.all([
      this.db
        .select({ peer: communications.peerAddress, lastId, total: count(), unread })
        .from(communications)
        .where(where)
        .groupBy(communications.peerAddress)
        // Ids grow with time: the highest id is the latest activity.
        .orderBy(desc(lastId), asc(communications.peerAddress))
        .limit(window.pageSize)
        .offset(window.offset),
      this.db
        .select({ value: countDistinct(communications.peerAddress) })
        .from(communications)
        .where(where),
    ])
    const lastIds = groups.map((group) => Number(group.lastId))
    const lastRows = lastIds.length ? await this.db.select().from(communications).where(inArray(communications.id, lastIds)) : []
    const byId = new Map(lastRows.map((row) => [row.id, row]))
    const parties = await this.parties(lastRows)
    // Every group has a peer (the filter) and a latest row (read just above); the types cannot know it.
    const items = groups.flatMap((group) => {
      const last = byId.get(Number(group.lastId))
      const peer = group.peer
      if (!last || peer === null) return []
      const party = parties.get(peer)
      return {
        id: peer,
        phone_number: peer,
        customer_id: party?.id ?? null,
        customer_name: party?.name ?? null,
        last_message: last.content,
        last_message_time: last.createdAt.toISOString(),
        direction: last.direction,
        unread_count: Number(group.unread ?? 0),
        total_count: group.total,
      }
    })
    return pageOf(items, counted?.value ?? 0, window)
  }

  /**
   * The customer of each thread: the live customer its latest message is
   * linked to, else the oldest live customer with that number.
   */
  private async parties(latest: CommunicationRow[]): Promise<Map<string, Party>> {
    const { customers } = this.tables
    const out = new Map<string, Party>()
    const linkedIds = [...new Set(latest.map((row) => row.customerId).filter((id): id is number => id !== null))]
    const linked = linkedIds.length
      ? await this.db
          .select({ id: customers.id, firstName: customers.firstName, lastName: customers.lastName, phone: customers.phone })
          .from(customers)
          .where(and(inArray(customers.id, linkedIds), isNull(customers.deletedAt)))
      : []
    const linkedById = new Map(linked.map((row) => [row.id, row]))
    for (const row of latest) {
      const customer = row.customerId !== null ? linkedById.get(row.customerId) : undefined
      if (customer && row.peerAddress) out.set(row.peerAddress, partyOf(customer))
    }
    const unknown = [...new Set(latest.map((row) => row.peerAddress).filter((peer): peer is string => !!peer && !out.has(peer)))]
    if (unknown.length) {
      const byPhone = await this.db
        .select({ id: customers.id, firstName: customers.firstName, lastName: customers.lastName, phone: customers.phone })
        .from(customers)
        .where(and(inArray(customers.phone, unknown), isNull(customers.deletedAt)))
        .orderBy(asc(customers.id))
      for (const customer of byPhone) {
        const { phone } = customer
        if (phone !== null && !out.has(phone)) out.set(phone, partyOf(customer))
      }
    }
    return out
  }

  /** One thread, oldest first, paged backwards; opening it does not mark it read. */
  async thread(user: Viewer, peer: string, query: { before_id?: number; limit?: number }, party?: Party) {
    const { communications } = this.tables
    const limit = query.limit ?? THREAD_LIMIT_DEFAULT
    const where = and(this.visibleSms(user), eq(communications.peerAddress, peer))
    const page = query.before_id !== undefined ? and(where, lt(communications.id, query.before_id)) : where
    const [rows, total, unread] = await Promise.all([
      this.db
        .select()
        .from(communications)
        .where(page)
        .orderBy(desc(communications.id))
        .limit(limit + 1),
      this.db.$count(communications, where),
      this.db.$count(communications, and(where, eq(communications.direction, 'inbound'), isNull(communications.readAt))),
    ])
    const latest = rows[0]
    const who = party ?? (latest ? (await this.parties([latest])).get(peer) : await this.partyByPhone(peer))
    return {
      id: peer,
      phone_number: peer,
      customer_id: who?.id ?? null,
      customer_name: who?.name ?? null,
      customer_phone: who?.phone ?? null,
      unread_count: unread,
      total_count: total,
      has_more: rows.length > limit,
      messages: rows.slice(0, limit).reverse().map(messageView),
    }
  }

  private async partyByPhone(phone: string): Promise<Party | undefined> {
    const customer = await this.directory.withPhone(phone)
    return customer && partyOf(customer)
  }

  /** Marks every inbound message of the thread read (inbound messages belong to the whole office). */
  async markRead(peer: string) {
    const { communications } = this.tables
    const unread = and(
      eq(communications.type, 'sms'),
      eq(communications.peerAddress, peer),
      eq(communications.direction, 'inbound'),
      isNull(communications.readAt),
    )
    const marked = await this.db.update(communications).set({ readAt: new Date() }).where(unread).returning({ id: communications.id })
    return { id: peer, marked_read: marked.length, unread_count: 0 }
  }

  /** The thread with a customer's phone number; an empty one when the customer has none. */
  async customerThread(user: Viewer, customerId: number, query: { before_id?: number; limit?: number }) {
    const customer = await this.directory.get(customerId)
    const party = partyOf(customer)
    const phone = customerPhone(customer, this.ctx.config.defaultCountry)
    if (!phone) {
      return {
        id: null,
        phone_number: null,
        customer_id: party.id,
        customer_name: party.name,
        customer_phone: null,
        unread_count: 0,
        total_count: 0,
        has_more: false,
        messages: [],
      }
    }
    return this.thread(user, phone, query, party)
  }
}
