import { and, count, desc, eq, isNull } from 'drizzle-orm'
import type { AppContext } from '../context'
import type { Tables } from '../db/client'
import { onlyRow } from '../db/rows'
import type { AuthUser } from '../auth/plugin'
import { NotFound, type FieldError } from '../http/errors'
import { OptOutService } from '../optouts/service'
import { communicationView } from '../communications/view'
import { visibleTo } from '../communications/visibility'
import { pageOf, pageWindow, type PageRequest } from '../http/pagination'
import { CUSTOMER_NOT_FOUND, CustomerDirectory, type CustomerRow } from './directory'
import { PROSPECT_STAGES, type ExtraValue } from './fields'
import { CUSTOMER_PAGE_SIZE_MAX, type CustomerInput, type CustomerViewType } from './model'
import { CustomerSearch, customerSearchText, searchNeedles } from './search'
import { CustomerValidator, type CleanCustomer } from './validation'

type CustomerColumns = Omit<Tables['customers']['$inferInsert'], 'id'>

export interface CustomerListQuery extends PageRequest {
  search?: string
  is_archived?: boolean
  prospect_stage?: string
}

/** The columns an update or create writes, from the clean body (extra fields merged into what is stored). */
function columnsOf(clean: CleanCustomer, current?: CustomerRow): Partial<CustomerColumns> {
  const { extra, ...own } = clean
  const columns: Partial<CustomerColumns> = { ...own }
  if (extra) columns.extraFields = { ...(current?.extraFields ?? {}), ...extra }
  return columns
}

/**
 * A customer page in its documented key order: nothing re-orders the answer on
 * the way out (customers/index.ts), and clients that compare bodies see the same bytes.
 */
function customerPage<T>(items: T[], total: number, totalIsEstimate: boolean, window: { page: number; pageSize: number }) {
  const { page, page_size } = pageOf(items, total, window)
  return { items, total, total_is_estimate: totalIsEstimate, page, page_size }
}

export class CustomerService {
  private readonly optOuts: OptOutService
  private readonly search: CustomerSearch
  private readonly directory: CustomerDirectory
  readonly validator: CustomerValidator

  constructor(private readonly ctx: AppContext) {
    this.optOuts = new OptOutService(ctx.database)
    this.search = new CustomerSearch(ctx.database)
    this.directory = new CustomerDirectory(ctx.database)
    this.validator = new CustomerValidator(ctx.config.defaultCountry, ctx.config.customerExtraFields)
  }

  private get db() {
    return this.ctx.database.db
  }

  private get tables() {
    return this.ctx.database.tables
  }

  private async views(rows: CustomerRow[]): Promise<CustomerViewType[]> {
    // One opt-out query per page, not per row.
    const phones = [...new Set(rows.map((row) => row.phone).filter((phone): phone is string => !!phone))]
    const optedOut = await this.optOuts.optedOutAmong(phones)
    const extraNames = this.ctx.config.customerExtraFields
    return rows.map((row) => {
      const extras: Record<string, ExtraValue> = {}
      for (const name of extraNames) extras[name] = row.extraFields?.[name] ?? null
      return {
        id: row.id,
        first_name: row.firstName,
        last_name: row.lastName,
        email: row.email,
        phone: row.phone,
        company: row.company,
        notes: row.notes,
        tags: row.tags ?? [],
        address_line1: row.addressLine1,
        address_line2: row.addressLine2,
        city: row.city,
        state: row.state,
        postal_code: row.postalCode,
        customer_type: row.customerType,
        prospect_stage: row.prospectStage,
        lead_source: row.leadSource,
        estimated_value: row.estimatedValue,
        assigned_sales_rep: row.assignedSalesRep,
        next_follow_up_date: row.nextFollowUpDate,
        lead_notes: row.leadNotes,
        is_archived: row.isArchived,
        is_active: !row.isArchived,
        sms_opt_out: row.phone !== null && optedOut.has(row.phone),
        ...extras,
        created_at: row.createdAt.toISOString(),
        updated_at: row.updatedAt.toISOString(),
      }
    })
  }

  private async view(row: CustomerRow): Promise<CustomerViewType> {
    return onlyRow(await this.views([row]))
  }

  /** Newest first (descending id); archived customers only with is_archived=true; `search` is a case-insensitive substring match. */
  async list(query: CustomerListQuery) {
    const errors: FieldError[] = []
    const term = query.search?.trim() ?? ''
    const stage = query.prospect_stage === undefined || query.prospect_stage === '' ? undefined : query.prospect_stage
    if (stage !== undefined && !(PROSPECT_STAGES as readonly string[]).includes(stage))
      errors.push({ field: 'prospect_stage', message: `Expected one of ${PROSPECT_STAGES.join(', ')}` })
    const window = pageWindow(query, CUSTOMER_PAGE_SIZE_MAX, errors)
    const filter = { archived: query.is_archived ?? false, prospectStage: stage }
    if (term === '') {
      const { rows, total, totalIsEstimate } = await this.search.listed(filter, window.pageSize, window.offset)
      return customerPage(await this.views(rows), total, totalIsEstimate, window)
    }
    const found = await this.search.find(searchNeedles(term, this.ctx.config.defaultCountry), filter, window.pageSize, window.offset)
    const rows = found.rows ?? (await this.search.rows(found.ids))
    return customerPage(await this.views(rows), found.total, found.totalIsEstimate, window)
  }

  async get(id: number): Promise<CustomerViewType> {
    return this.view(await this.directory.get(id))
  }

  async create(input: CustomerInput): Promise<CustomerViewType> {
    const clean = this.validator.clean(input)
    const columns = columnsOf(clean)
    const { firstName, lastName } = clean
    // The create schema requires both names, and the validator keeps every valid one.
    if (firstName === undefined || lastName === undefined) throw new Error('a customer without a name passed validation')
    const now = new Date()
    const own = { firstName, lastName, email: clean.email ?? null, phone: clean.phone ?? null, company: clean.company ?? null }
    const rows = await this.db
      .insert(this.tables.customers)
      .values({ ...columns, ...own, tags: clean.tags ?? [], searchText: customerSearchText(own), createdAt: now, updatedAt: now })
      .returning()
    return this.view(onlyRow(rows))
  }

  async update(id: number, input: CustomerInput): Promise<CustomerViewType> {
    const current = await this.directory.get(id)
    const clean = this.validator.clean(input)
    const columns = columnsOf(clean, current)
    const searchable = {
      firstName: clean.firstName ?? current.firstName,
      lastName: clean.lastName ?? current.lastName,
      email: clean.email === undefined ? current.email : clean.email,
      phone: clean.phone === undefined ? current.phone : clean.phone,
      company: clean.company === undefined ? current.company : clean.company,
    }
    return this.write(id, { ...columns, searchText: customerSearchText(searchable) })
  }

  /** Archiving hides a customer from the default list; it is not a deletion (reads, messages and search with is_archived=true still find it). */
  async setArchived(id: number, archived: boolean): Promise<CustomerViewType> {
    await this.directory.get(id)
    return this.write(id, { isArchived: archived })
  }

  private async write(id: number, columns: Partial<CustomerColumns>): Promise<CustomerViewType> {
    const { customers } = this.tables
    const [row] = await this.db
      .update(customers)
      .set({ ...columns, updatedAt: new Date() })
      .where(and(eq(customers.id, id), isNull(customers.deletedAt)))
      .returning()
    // Deleted between the read and the write.
    if (!row) throw new NotFound(CUSTOMER_NOT_FOUND)
    return this.view(row)
  }

  /** Soft delete: the row stays (its communications keep their link), it just leaves every read. */
  async softDelete(id: number): Promise<void> {
    const { customers } = this.tables
    const now = new Date()
    const [row] = await this.db
      .update(customers)
      .set({ deletedAt: now, updatedAt: now })
      .where(and(eq(customers.id, id), isNull(customers.deletedAt)))
      .returning({ id: customers.id })
    if (!row) throw new NotFound(CUSTOMER_NOT_FOUND)
  }

  /** The customer's communications the user may see (the rule of the history), newest first. */
  async timeline(user: Pick<AuthUser, 'id' | 'role'>, id: number, query: PageRequest) {
    const window = pageWindow(query)
    await this.directory.get(id)
    const { communications } = this.tables
    const where = and(eq(communications.customerId, id), visibleTo(communications, user))
    const [rows, [counted]] = await Promise.all([
      this.db
        .select()
        .from(communications)
        .where(where)
        .orderBy(desc(communications.createdAt), desc(communications.id))
        .limit(window.pageSize)
        .offset(window.offset),
      this.db.select({ value: count() }).from(communications).where(where),
    ])
    return pageOf(rows.map(communicationView), counted?.value ?? 0, window)
  }
}
