import { and, count, eq, isNotNull, isNull, ne, or, sql, type SQL } from 'drizzle-orm'
import { t } from 'elysia'
import type { AppContext } from '../context'
import type { AuthUser } from '../auth/plugin'
import { containsPattern } from '../customers/search'
import { searchNeedles } from '../customers/search'
import { PageOf, PageQuery, pageOf, pageWindow } from '../http/pagination'
import { fullName, sentAt } from './view'
import { messagesWithCustomerNames } from './listing'
import { visibleTo } from './visibility'

const ACTIVITY_LIMIT_MAX = 200
const PREVIEW_MAX = 200
const channel = t.Union([t.Literal('sms'), t.Literal('email')])

export const InboxModel = {
  stats: t.Object(
    {
      unread_sms: t.Integer({ description: 'Inbound SMS not yet marked read' }),
      unread_email: t.Integer({ description: 'Inbound e-mail not yet marked read (this API sends e-mail only, so 0)' }),
      pending_reminders: t.Integer({ description: 'Always 0: reminders are not part of this API' }),
    },
    { title: 'CommunicationStats' },
  ),
  activityQuery: t.Object({
    limit: t.Optional(t.Integer({ minimum: 1, maximum: ACTIVITY_LIMIT_MAX, description: `1..${ACTIVITY_LIMIT_MAX}, default 50` })),
    channel: t.Optional(channel),
    search: t.Optional(
      t.String({ maxLength: 200, description: 'Case-insensitive substring of the text, subject, customer name or address' }),
    ),
  }),
  activity: t.Object(
    {
      items: t.Array(
        t.Object({
          id: t.String({ description: 'Unique across channels, e.g. "sms-12"' }),
          type: t.String({ examples: ['sms', 'email'] }),
          customer_id: t.Nullable(t.Integer()),
          customer_name: t.String({ description: "The customer's name, else the other party's number or address" }),
          content: t.String({ description: `The text, at most ${PREVIEW_MAX} characters` }),
          subject: t.Nullable(t.String()),
          direction: t.String(),
          status: t.String(),
          to_address: t.String(),
          from_address: t.Nullable(t.String()),
          created_at: t.String({ format: 'date-time' }),
          sent_at: t.Nullable(t.String({ format: 'date-time' })),
        }),
      ),
      total: t.Integer({ description: 'How many messages match (items holds at most `limit`)' }),
    },
    { title: 'CommunicationActivity' },
  ),
  smsCustomersQuery: t.Object({
    search: t.Optional(t.String({ maxLength: 200, description: 'Name, e-mail, phone or company, as in the customer list' })),
    ...PageQuery,
    active_only: t.Optional(t.Boolean({ description: 'Default true: archived customers are left out' })),
  }),
  smsCustomers: PageOf(
    t.Object({
      id: t.Integer(),
      name: t.String(),
      first_name: t.String(),
      last_name: t.String(),
      phone: t.String(),
      email: t.Nullable(t.String()),
      city: t.Nullable(t.String()),
      state: t.Nullable(t.String()),
      is_active: t.Boolean(),
      sms_opt_out: t.Boolean(),
    }),
    'SmsCustomerPage',
  ),
}

/** The unified inbox: unread counts, the recent activity feed, and the customers one can text. */
export class InboxService {
  constructor(private readonly ctx: AppContext) {}

  private get db() {
    return this.ctx.database.db
  }

  async stats() {
    const { communications } = this.ctx.database.tables
    // Inbound messages belong to the whole office, so the counts are the same for every user.
    const unread = (type: string) =>
      this.db.$count(
        communications,
        and(eq(communications.type, type), eq(communications.direction, 'inbound'), isNull(communications.readAt)),
      )
    const [sms, email] = await Promise.all([unread('sms'), unread('email')])
    return { unread_sms: sms, unread_email: email, pending_reminders: 0 }
  }

  /** Newest first, the messages the user may see, with who each one is with. */
  async activity(user: Pick<AuthUser, 'id' | 'role'>, query: typeof InboxModel.activityQuery.static) {
    const { communications, customers } = this.ctx.database.tables
    const filters: (SQL | undefined)[] = [visibleTo(communications, user)]
    if (query.channel) filters.push(eq(communications.type, query.channel))
    const term = query.search?.trim().toLowerCase() ?? ''
    if (term !== '') {
      const pattern = containsPattern(term)
      const like = (column: SQL) => sql`lower(${column}) LIKE ${pattern} ESCAPE '\\'`
      filters.push(
        or(
          like(sql`${communications.content}`),
          like(sql`coalesce(${communications.subject}, '')`),
          like(sql`coalesce(${communications.peerAddress}, ${communications.toAddress})`),
          like(sql`(coalesce(${customers.firstName}, '') || ' ' || coalesce(${customers.lastName}, ''))`),
        ),
      )
    }
    const where = and(...filters)
    const limit = query.limit ?? 50
    const [rows, [total]] = await Promise.all([
      messagesWithCustomerNames(this.ctx.database, where, { limit }),
      this.db.select({ value: count() }).from(communications).leftJoin(customers, eq(customers.id, communications.customerId)).where(where),
    ])
    const items = rows.map(({ row, firstName, lastName }) => ({
      id: `${row.type}-${row.id}`,
      type: row.type,
      customer_id: row.customerId,
      customer_name:
        fullName(firstName, lastName) ??
        row.peerAddress ??
        (row.direction === 'inbound' ? row.fromAddress : row.toAddress) ??
        row.toAddress,
      content: [...row.content].slice(0, PREVIEW_MAX).join(''),
      subject: row.subject,
      direction: row.direction,
      status: row.status,
      to_address: row.toAddress,
      from_address: row.fromAddress,
      created_at: row.createdAt.toISOString(),
      sent_at: sentAt(row),
    }))
    return { items, total: total?.value ?? 0 }
  }

  /** Customers with a phone number, by name, for the SMS compose screen. */
  async smsCustomers(query: typeof InboxModel.smsCustomersQuery.static) {
    const window = pageWindow(query)
    const { customers, smsOptOuts } = this.ctx.database.tables
    const filters: (SQL | undefined)[] = [isNull(customers.deletedAt), isNotNull(customers.phone), ne(customers.phone, '')]
    if (query.active_only ?? true) filters.push(eq(customers.isArchived, false))
    const term = query.search?.trim() ?? ''
    if (term !== '') {
      const needles = searchNeedles(term, this.ctx.config.defaultCountry)
      if (!needles.length) return pageOf([], 0, window)
      filters.push(or(...needles.map((needle) => sql`${customers.searchText} LIKE ${containsPattern(needle)} ESCAPE '\\'`)))
    }
    const where = and(...filters)
    const [rows, [total]] = await Promise.all([
      this.db
        .select({ customer: customers, optedOut: smsOptOuts.optedOut })
        .from(customers)
        .leftJoin(smsOptOuts, eq(smsOptOuts.phone, customers.phone))
        .where(where)
        .orderBy(customers.lastName, customers.firstName, customers.id)
        .limit(window.pageSize)
        .offset(window.offset),
      this.db.select({ value: count() }).from(customers).where(where),
    ])
    // The filters leave out customers without a phone; the types cannot know it.
    const withPhone = rows.flatMap(({ customer, optedOut }) =>
      customer.phone === null ? [] : [{ customer, phone: customer.phone, optedOut }],
    )
    const items = withPhone.map(({ customer, phone, optedOut }) => ({
      id: customer.id,
      name: fullName(customer.firstName, customer.lastName) ?? '',
      first_name: customer.firstName,
      last_name: customer.lastName,
      phone,
      email: customer.email,
      city: customer.city,
      state: customer.state,
      is_active: !customer.isArchived,
      sms_opt_out: optedOut === true,
    }))
    return pageOf(items, total?.value ?? 0, window)
  }
}
