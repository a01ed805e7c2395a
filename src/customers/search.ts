import { and, desc, count, isNull, or, sql, type SQL } from 'drizzle-orm'
import type { Database } from '../db/client'
import { toE164 } from '../phone/normalize'

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

const PHONE_LIKE = /^[+\d\s().\-\/]+$/

/**
 * The substrings one search term stands for: the term itself, and for a term
 * that looks like a (partial) phone number also its bare digits ("555-0143" →
 * "5550143", "+1 415" → "+1415") and its E.164 form, since phones are stored as E.164.
 */
export function searchNeedles(term: string, defaultCountry: string): string[] {
  const lowered = term.trim().toLowerCase()
  const needles = new Set<string>([lowered])
  if (PHONE_LIKE.test(lowered) && /\d/.test(lowered)) {
    needles.add((lowered.startsWith('+') ? '+' : '') + lowered.replace(/\D/g, ''))
    const e164 = toE164(lowered, defaultCountry)
    if (e164) needles.add(e164)
  }
  return [...needles].filter((needle) => needle !== '' && needle !== '+')
}

/** A LIKE pattern matching `needle` literally anywhere (used with ESCAPE '\'). */
export function containsPattern(needle: string): string {
  return `%${needle.replace(/[\\%_]/g, '\\$&')}%`
}

/** An FTS5 query matching any needle as a literal phrase (the trigram tokenizer makes a phrase a substring). */
function ftsQuery(needles: string[]): string {
  return needles.map((needle) => `"${needle.replaceAll('"', '""')}"`).join(' OR ')
}

/** A page that is not full (and not past the end) is the last one: the total follows without counting. */
function totalFromPage(found: number, limit: number, offset: number): number | undefined {
  return found < limit && (found > 0 || offset === 0) ? offset + found : undefined
}

export interface SearchPage {
  ids: number[]
  total: number
}

/**
 * Finds the ids of live customers whose search_text contains any needle, newest
 * (highest id) first, and their total. SQLite: the FTS5 trigram table
 * `customers_fts` (live rows only, kept by triggers) for needles of 3+
 * characters, a LIKE scan otherwise. PostgreSQL: LIKE served by the pg_trgm
 * GIN index. Terms are always bound parameters.
 */
export class CustomerSearch {
  constructor(private readonly database: Database) {}

  /** How many customers are not deleted: SQLite keeps the figure in a trigger-maintained row (drizzle/sqlite/0003). */
  async countLive(): Promise<number> {
    if (this.database.kind === 'sqlite') {
      const row = this.database.sqlite!.query<{ n: number }, []>('SELECT n FROM customers_live_count WHERE id = 1').get()
      if (row) return row.n
    }
    const { customers } = this.database.tables
    const [counted] = await this.database.db.select({ value: count() }).from(customers).where(isNull(customers.deletedAt))
    return counted?.value ?? 0
  }

  async find(needles: string[], limit: number, offset: number): Promise<SearchPage> {
    if (this.database.kind === 'sqlite' && needles.every((needle) => [...needle].length >= 3)) {
      return this.findWithFts(ftsQuery(needles), limit, offset)
    }
    return this.findWithLike(needles, limit, offset)
  }

  private findWithFts(match: string, limit: number, offset: number): SearchPage {
    const handle = this.database.sqlite!
    // bun:sqlite caches these statements by their text.
    const ids = handle
      .query<{ id: number }, [string, number, number]>('SELECT rowid AS id FROM customers_fts WHERE customers_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?')
      .all(match, limit, offset)
      .map((row) => row.id)
    const total = totalFromPage(ids.length, limit, offset) ?? handle.query<{ n: number }, [string]>('SELECT count(*) AS n FROM customers_fts WHERE customers_fts MATCH ?').get(match)?.n ?? 0
    return { ids, total }
  }

  private async findWithLike(needles: string[], limit: number, offset: number): Promise<SearchPage> {
    const { customers } = this.database.tables
    const matches = needles.map((needle): SQL => sql`${customers.searchText} LIKE ${containsPattern(needle)} ESCAPE '\\'`)
    const where = and(isNull(customers.deletedAt), or(...matches))
    const rows = await this.database.db.select({ id: customers.id }).from(customers).where(where).orderBy(desc(customers.id)).limit(limit).offset(offset)
    const known = totalFromPage(rows.length, limit, offset)
    const total = known ?? (await this.database.db.select({ value: count() }).from(customers).where(where))[0]?.value ?? 0
    return { ids: rows.map((row) => row.id), total }
  }
}
