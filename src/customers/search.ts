import { and, count, desc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm'
import type { Database, Tables } from '../db/client'
import { createCustomerSearchStore, type CustomerSearchStore, type ListFilter } from './search-store'
import { toE164 } from '../phone/normalize'

type CustomerRow = Tables['customers']['$inferSelect']

/** The haystack `search` matches: lower-cased "first last email phone company". */
export function customerSearchText(fields: {
  firstName: string
  lastName: string
  email: string | null
  phone: string | null
  company: string | null
}): string {
  return [fields.firstName, fields.lastName, fields.email, fields.phone, fields.company]
    .filter((part): part is string => !!part)
    .join(' ')
    .toLowerCase()
}

const PHONE_LIKE = /^[+\d\s().\-/]+$/
/** A needle must hold a letter or a digit: punctuation or spaces alone stand for nothing a person looks for. */
const SEARCHABLE = /[\p{L}\p{N}]/u
const APOSTROPHES = /['\u2019]/g
const HAS_APOSTROPHE = /['\u2019]/

/**
 * The substrings one search term stands for: the term itself (so `o'brien`
 * and `a-b` match those very characters); the other apostrophe (' and ’, as
 * phones and office software type them); for a term that looks like a
 * (partial) phone number also its bare digits ("555-0143" → "5550143",
 * "+1 555" → "+1555") and its E.164 form, since phones are stored as E.164.
 * A term with no letter or digit ("+", "--", spaces) stands for nothing: [].
 */
export function searchNeedles(term: string, defaultCountry: string): string[] {
  const lowered = term.trim().toLowerCase()
  if (!SEARCHABLE.test(lowered)) return []
  const needles = new Set<string>([lowered])
  if (HAS_APOSTROPHE.test(lowered)) {
    needles.add(lowered.replace(APOSTROPHES, "'"))
    needles.add(lowered.replace(APOSTROPHES, '\u2019'))
  }
  if (PHONE_LIKE.test(lowered) && /\d/.test(lowered)) {
    needles.add((lowered.startsWith('+') ? '+' : '') + lowered.replace(/\D/g, ''))
    const e164 = toE164(lowered, defaultCountry)
    if (e164) needles.add(e164)
  }
  return [...needles].filter((needle) => SEARCHABLE.test(needle))
}

/** A LIKE pattern matching `needle` literally anywhere (used with ESCAPE '\'). */
export function containsPattern(needle: string): string {
  return `%${needle.replace(/[\\%_]/g, '\\$&')}%`
}

/** A page that is not full (and not past the end) is the last one: the total follows without counting. */
function totalFromPage(found: number, limit: number, offset: number): number | undefined {
  return found < limit && (found > 0 || offset === 0) ? offset + found : undefined
}

/**
 * A search stops counting its matches here: a common term in a large database
 * would otherwise cost a count over every match on each page. Past the cap the
 * answer carries `total_is_estimate: true` and `total` is a lower bound (the
 * cap, or the end of the page asked for when that is further).
 */
export const SEARCH_TOTAL_CAP = 1000
/** The same for the plain list, whose count is cheaper per row: offices up to this size always see an exact total. */
export const LIST_TOTAL_CAP = 10_000

export interface SearchPage {
  ids: number[]
  /** The rows of `ids`, when the search already read them. */
  rows?: CustomerRow[]
  total: number
  /** More customers match than `total` says: counting stopped at the cap. */
  totalIsEstimate: boolean
}

/** The total of a search page: exact on its last page, else counted up to the cap (`count` gets the row limit). */
async function cappedTotal(
  found: number,
  limit: number,
  offset: number,
  count: (rowLimit: number) => number | Promise<number>,
  capAt = SEARCH_TOTAL_CAP,
): Promise<Omit<SearchPage, 'ids'>> {
  const exact = totalFromPage(found, limit, offset)
  if (exact !== undefined) return { total: exact, totalIsEstimate: false }
  const cap = Math.max(capAt, offset + limit)
  const counted = await count(cap + 1)
  return { total: Math.min(counted, cap), totalIsEstimate: counted > cap }
}

/** The customers a list shows: live (not deleted), archived or not as asked, of one prospect stage when asked. */
function shownCondition(customers: Tables['customers'], filter: ListFilter): SQL | undefined {
  const stage = filter.prospectStage === undefined ? undefined : eq(customers.prospectStage, filter.prospectStage)
  return and(isNull(customers.deletedAt), eq(customers.isArchived, filter.archived), stage)
}

/** What every search path means: the customers the list shows whose search text holds any needle (bound LIKE patterns). */
function searchCondition(customers: Tables['customers'], needles: string[], filter: ListFilter): SQL {
  const matches = needles.map((needle): SQL => sql`${customers.searchText} LIKE ${containsPattern(needle)} ESCAPE '\\'`)
  return and(shownCondition(customers, filter), or(...matches)) ?? sql`false`
}

/**
 * Which customers a list page shows, newest (highest id) first, and how many
 * there are. Only live (not deleted) rows; archived ones only when asked for.
 *
 * Search: SQLite uses the FTS5 trigram table when every needle has 3+
 * characters (see search-store.ts), a LIKE scan otherwise; PostgreSQL uses
 * LIKE over a narrow trigger-kept copy of the searched columns, with page and
 * capped count in one statement that sorts a rare term's matches from the
 * pg_trgm GIN index and walks the newest rows for a common one (see
 * search-store.ts). Terms are always bound parameters,
 * and both paths compare the same lower-cased text literally, so both
 * databases return the same customers for any term.
 */
export class CustomerSearch {
  private readonly store: CustomerSearchStore

  constructor(private readonly database: Database) {
    this.store = createCustomerSearchStore(database)
  }

  private get customers() {
    return this.database.tables.customers
  }

  private shown(filter: ListFilter): SQL | undefined {
    return shownCondition(this.customers, filter)
  }

  /** The rows of `ids`, in the same newest-first order. */
  async rows(ids: number[]): Promise<CustomerRow[]> {
    if (!ids.length) return []
    return this.database.db.select().from(this.customers).where(inArray(this.customers.id, ids)).orderBy(desc(this.customers.id))
  }

  /** One page of the rows matching `where`, newest first. */
  private page(where: SQL | undefined, limit: number, offset: number): Promise<CustomerRow[]> {
    return this.database.db.select().from(this.customers).where(where).orderBy(desc(this.customers.id)).limit(limit).offset(offset)
  }

  /**
   * The list without a search: the rows themselves, and a total counted up to
   * LIST_TOTAL_CAP like a search's (past it, `totalIsEstimate`). SQLite reads the
   * default list's figure from a trigger-kept row and caps it the same way, so
   * both databases answer alike; PostgreSQL stops counting at the cap instead of
   * counting every customer on every page.
   */
  async listed(
    filter: ListFilter,
    limit: number,
    offset: number,
  ): Promise<{ rows: CustomerRow[]; total: number; totalIsEstimate: boolean }> {
    const where = this.shown(filter)
    const counter = filter.archived || filter.prospectStage !== undefined ? undefined : this.store.liveCount()
    const count = (rowLimit: number) => this.store.countListed?.(filter, rowLimit) ?? this.countUpTo(where, rowLimit)
    const counting = counter === undefined ? this.countAlongside(count, Math.max(LIST_TOTAL_CAP, offset + limit) + 1) : undefined
    const rows = await this.page(where, limit, offset)
    const total = await cappedTotal(
      rows.length,
      limit,
      offset,
      (rowLimit) => (counter !== undefined ? Math.min(counter, rowLimit) : (counting ?? count(rowLimit))),
      LIST_TOTAL_CAP,
    )
    return { rows, ...total }
  }

  /** How many rows match `where`, counting no further than `rowLimit`. */
  private async countUpTo(where: SQL | undefined, rowLimit: number): Promise<number> {
    const matches = this.database.db.select({ one: sql`1` }).from(this.customers).where(where).limit(rowLimit).as('matches')
    const [counted] = await this.database.db.select({ value: count() }).from(matches)
    return counted?.value ?? 0
  }

  /**
   * Where the store says it pays, the capped count starts together with the
   * page, on another pooled connection. (The answer is unused when the page
   * turns out to be the last.) Otherwise it is counted only when needed.
   */
  private countAlongside(count: (rowLimit: number) => Promise<number>, rowLimit: number): Promise<number> | undefined {
    if (!this.store.countsAlongside) return undefined
    const counting = count(rowLimit)
    counting.catch(() => {})
    return counting
  }

  async find(needles: string[], filter: ListFilter, limit: number, offset: number): Promise<SearchPage> {
    if (!needles.length) return { ids: [], total: 0, totalIsEstimate: false }
    const countLimit = Math.max(SEARCH_TOTAL_CAP, offset + limit) + 1
    const indexed = await this.store.indexedMatches({ needles, filter, limit, offset, countLimit })
    if (indexed) {
      const total = await cappedTotal(indexed.ids.length, limit, offset, indexed.countUpTo)
      return { ids: indexed.ids, ...(indexed.rows && { rows: indexed.rows }), ...total }
    }
    // No index serves these needles: a LIKE scan.
    const where = searchCondition(this.customers, needles, filter)
    const counting = this.countAlongside((rowLimit) => this.countUpTo(where, rowLimit), countLimit)
    // The rows themselves: no second query for them.
    const rows = await this.page(where, limit, offset)
    const total = await cappedTotal(rows.length, limit, offset, (rowLimit) => counting ?? this.countUpTo(where, rowLimit))
    return { ids: rows.map((row) => row.id), rows, ...total }
  }
}
