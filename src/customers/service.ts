import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm'
import type { AppContext } from '../context'
import type { Tables } from '../db/client'
import { HttpError, NotFound, type FieldError } from '../http/errors'
import { OptOutService } from '../optouts/service'
import { toE164 } from '../phone/normalize'
import { communicationView } from '../communications/view'
import { pageWindow, type PageRequest } from '../http/pagination'
import {
  COMPANY_MAX,
  EMAIL_MAX,
  NAME_MAX,
  NOTES_MAX,
  TAG_MAX,
  TAGS_MAX,
  type CustomerCreateInput,
  type CustomerUpdateInput,
  type CustomerViewType,
} from './model'
import { CustomerSearch, customerSearchText, searchNeedles } from './search'

type CustomerRow = Tables['customers']['$inferSelect']

export const CUSTOMER_NOT_FOUND = 'Customer not found'

// Local part without spaces or specials; domain of dot-separated labels (Unicode letters allowed), a TLD of 2+ letters.
const EMAIL = /^[^\s@"<>(),;:\\[\]]{1,64}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u

// PostgreSQL text cannot hold NUL, so it is refused everywhere alike.
const hasNul = (value: string) => value.includes('\u0000')

/** Collects field errors so one 422 names every bad field. */
class FieldErrors {
  readonly list: FieldError[] = []
  add(field: string, message: string) {
    this.list.push({ field, message })
  }
  throwIfAny() {
    if (this.list.length) throw new HttpError(422, 'Request validation failed', {}, { errors: this.list })
  }
}


/** A path id: digits only and within the integer column range, else the customer cannot exist. */
export function parseCustomerId(raw: string): number {
  if (!/^\d{1,10}$/.test(raw)) throw new NotFound(CUSTOMER_NOT_FOUND)
  const id = Number(raw)
  if (id < 1 || id > 2_147_483_647) throw new NotFound(CUSTOMER_NOT_FOUND)
  return id
}

type Clearable = string | null | undefined

/** Trims a clearable text field; an empty string clears it like null. */
function cleanText(errors: FieldErrors, field: string, value: Clearable, max: number): string | null | undefined {
  if (value === undefined || value === null) return value
  if (hasNul(value)) {
    errors.add(field, 'Must not contain NUL characters')
    return undefined
  }
  const trimmed = value.trim()
  if (trimmed.length > max) errors.add(field, `Expected at most ${max} characters`)
  return trimmed === '' ? null : trimmed
}

function cleanName(errors: FieldErrors, field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (hasNul(value)) errors.add(field, 'Must not contain NUL characters')
  else if (trimmed === '') errors.add(field, 'Must not be blank')
  else if (trimmed.length > NAME_MAX) errors.add(field, `Expected at most ${NAME_MAX} characters`)
  return trimmed
}

function cleanTags(errors: FieldErrors, value: string[] | null | undefined): string[] | undefined {
  if (value === undefined) return undefined
  if (value === null) return []
  const tags: string[] = []
  for (const raw of value) {
    const tag = raw.trim()
    if (hasNul(raw) || tag === '' || tag.length > TAG_MAX) {
      errors.add('tags', `Each tag must be 1 to ${TAG_MAX} characters, without NUL characters`)
      return undefined
    }
    if (!tags.includes(tag)) tags.push(tag)
  }
  if (tags.length > TAGS_MAX) errors.add('tags', `Expected at most ${TAGS_MAX} tags`)
  return tags
}

interface CleanFields {
  firstName?: string
  lastName?: string
  email?: string | null
  phone?: string | null
  company?: string | null
  notes?: string | null
  tags?: string[]
}

export class CustomerService {
  private readonly optOuts: OptOutService
  private readonly search: CustomerSearch

  constructor(private readonly ctx: AppContext) {
    this.optOuts = new OptOutService(ctx.database)
    this.search = new CustomerSearch(ctx.database)
  }

  private get db() {
    return this.ctx.database.db
  }

  private get tables() {
    return this.ctx.database.tables
  }

  /** Validates and normalises the writable fields present in `input`. */
  private clean(input: CustomerUpdateInput): CleanFields {
    const errors = new FieldErrors()
    const out: CleanFields = {
      firstName: cleanName(errors, 'first_name', input.first_name),
      lastName: cleanName(errors, 'last_name', input.last_name),
      email: cleanText(errors, 'email', input.email, EMAIL_MAX),
      phone: cleanText(errors, 'phone', input.phone, 40),
      company: cleanText(errors, 'company', input.company, COMPANY_MAX),
      notes: cleanText(errors, 'notes', input.notes, NOTES_MAX),
      tags: cleanTags(errors, input.tags),
    }
    if (out.email && !EMAIL.test(out.email)) errors.add('email', 'Invalid email address')
    if (out.phone) {
      const e164 = toE164(out.phone, this.ctx.config.defaultCountry)
      if (e164) out.phone = e164
      else errors.add('phone', 'Invalid phone number')
    }
    errors.throwIfAny()
    return out
  }

  private async views(rows: CustomerRow[]): Promise<CustomerViewType[]> {
    // One opt-out query per page, not per row.
    const phones = [...new Set(rows.map((row) => row.phone).filter((phone): phone is string => !!phone))]
    const optedOut = await this.optOuts.optedOutAmong(phones)
    return rows.map((row) => ({
      id: row.id,
      first_name: row.firstName,
      last_name: row.lastName,
      email: row.email,
      phone: row.phone,
      company: row.company,
      notes: row.notes,
      tags: row.tags ?? [],
      sms_opt_out: row.phone !== null && optedOut.has(row.phone),
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
    }))
  }

  private async view(row: CustomerRow): Promise<CustomerViewType> {
    const [view] = await this.views([row])
    return view!
  }

  /** A live (not deleted) customer row, or 404. */
  async findLive(id: number): Promise<CustomerRow> {
    const { customers } = this.tables
    const [row] = await this.db
      .select()
      .from(customers)
      .where(and(eq(customers.id, id), isNull(customers.deletedAt)))
    if (!row) throw new NotFound(CUSTOMER_NOT_FOUND)
    return row
  }

  /** Newest first (descending id); `search` is a case-insensitive substring match. */
  async list(query: PageRequest & { search?: string }) {
    const { page, pageSize, offset } = pageWindow(query)
    const term = query.search?.trim() ?? ''
    if (hasNul(term)) throw new HttpError(422, 'Request validation failed', {}, { errors: [{ field: 'search', message: 'Must not contain NUL characters' }] })
    const { customers } = this.tables
    let rows: CustomerRow[]
    let total: number
    if (term === '') {
      ;[rows, total] = await Promise.all([
        this.db.select().from(customers).where(isNull(customers.deletedAt)).orderBy(desc(customers.id)).limit(pageSize).offset(offset),
        this.search.countLive(),
      ])
    } else {
      const found = await this.search.find(searchNeedles(term, this.ctx.config.defaultCountry), pageSize, offset)
      total = found.total
      rows = found.ids.length
        ? await this.db
            .select()
            .from(customers)
            .where(and(inArray(customers.id, found.ids), isNull(customers.deletedAt)))
            .orderBy(desc(customers.id))
        : []
    }
    return { items: await this.views(rows), total, page, page_size: pageSize }
  }

  async get(id: number): Promise<CustomerViewType> {
    return this.view(await this.findLive(id))
  }

  async create(input: CustomerCreateInput): Promise<CustomerViewType> {
    const fields = this.clean(input)
    const firstName = fields.firstName!
    const lastName = fields.lastName!
    const email = fields.email ?? null
    const phone = fields.phone ?? null
    const company = fields.company ?? null
    const now = new Date()
    const [row] = await this.db
      .insert(this.tables.customers)
      .values({
        firstName,
        lastName,
        email,
        phone,
        company,
        notes: fields.notes ?? null,
        tags: fields.tags ?? [],
        searchText: customerSearchText({ firstName, lastName, email, phone, company }),
        createdAt: now,
        updatedAt: now,
      })
      .returning()
    return this.view(row!)
  }

  async update(id: number, input: CustomerUpdateInput): Promise<CustomerViewType> {
    const current = await this.findLive(id)
    const fields = this.clean(input)
    const next = {
      firstName: fields.firstName ?? current.firstName,
      lastName: fields.lastName ?? current.lastName,
      email: fields.email === undefined ? current.email : fields.email,
      phone: fields.phone === undefined ? current.phone : fields.phone,
      company: fields.company === undefined ? current.company : fields.company,
      notes: fields.notes === undefined ? current.notes : fields.notes,
      tags: fields.tags ?? current.tags,
    }
    const { customers } = this.tables
    const [row] = await this.db
      .update(customers)
      .set({ ...next, searchText: customerSearchText(next), updatedAt: new Date() })
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

  /** The customer's communications, newest first. */
  async timeline(id: number, query: PageRequest) {
    const { page, pageSize, offset } = pageWindow(query)
    await this.findLive(id)
    const { communications } = this.tables
    const mine = eq(communications.customerId, id)
    const [rows, [counted]] = await Promise.all([
      this.db
        .select()
        .from(communications)
        .where(mine)
        .orderBy(desc(communications.createdAt), desc(communications.id))
        .limit(pageSize)
        .offset(offset),
      this.db.select({ value: count() }).from(communications).where(mine),
    ])
    return { items: rows.map(communicationView), total: counted?.value ?? 0, page, page_size: pageSize }
  }
}
