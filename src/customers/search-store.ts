import { and, desc, eq, getTableColumns, isNull, or, sql, type SQL } from 'drizzle-orm'
import type { Database, PostgresDatabase, SqliteDatabase, Tables } from '../db/client'
import { containsPattern } from './search'

type CustomerRow = Tables['customers']['$inferSelect']

/** Which customers a list shows besides the search: archived or not, and optionally one prospect stage. */
export interface ListFilter {
  archived: boolean
  prospectStage?: string
}

/** One search page, asked of a store: the needles, the list filter, and the same as one portable LIKE condition. */
interface MatchQuery {
  needles: string[]
  filter: ListFilter
  /** Live rows of the filter whose search_text holds any needle (bound LIKE patterns). */
  where: SQL
  limit: number
  offset: number
  /** How far the caller will count: a store that counts in the page's own statement counts this far. */
  countLimit: number
}

/** Matches found a database's own way: one page of ids, newest first, and a counter of them all. */
interface IndexedMatches {
  ids: number[]
  /** The rows of `ids`, when the store read them with the page. */
  rows?: CustomerRow[]
  /** How many customers match, counting no further than `rowLimit` (at most the query's countLimit). */
  countUpTo(rowLimit: number): number | Promise<number>
}

/**
 * What a customer list or search does differently on each database; the rest
 * (LIKE search, pages, capped counts) is portable and lives in CustomerSearch.
 */
export interface CustomerSearchStore {
  /** Counting beside the page query pays: each is a round trip, and two pooled connections overlap them. */
  readonly countsAlongside: boolean
  /** The number of customers neither deleted nor archived, when the database keeps it; else undefined. */
  liveCount(): number | undefined
  /** A page found the database's own way, or undefined when it has none for these needles (CustomerSearch then scans with LIKE). */
  indexedMatches(query: MatchQuery): IndexedMatches | Promise<IndexedMatches> | undefined
}

/** An FTS5 query matching any needle as a literal phrase (the trigram tokenizer makes a phrase a substring). */
function ftsQuery(needles: string[]): string {
  return needles.map((needle) => `"${needle.replaceAll('"', '""')}"`).join(' OR ')
}

/** The FTS5 match of a page or count; `stage` adds the prospect-stage filter. */
function ftsMatches(stage: boolean): string {
  return `FROM customers_fts f JOIN customers c ON c.id = f.rowid WHERE customers_fts MATCH ? AND c.is_archived = ?${stage ? ' AND c.prospect_stage = ?' : ''}`
}

/**
 * SQLite answers in process, so it counts only when needed. The FTS5 trigram
 * table `customers_fts` (live rows, kept by triggers) serves needles of three
 * or more characters, and a trigger-kept row holds the default list's count
 * (drizzle/sqlite/0003, 0005).
 */
class SqliteCustomerSearchStore implements CustomerSearchStore {
  readonly countsAlongside = false
  /** The page's rows, prepared once per filter shape on first use (migrations may not have run when the store is built). */
  private readonly pages = new Map<boolean, ReturnType<SqliteCustomerSearchStore['preparePage']>>()

  constructor(private readonly database: SqliteDatabase) {}

  liveCount(): number | undefined {
    return this.database.handle.query<{ n: number }, []>('SELECT n FROM customers_live_count WHERE id = 1').get()?.n
  }

  /** The rows of one page, read in the statement that finds them: a separate read by ids cost more than the search. */
  private preparePage(stage: boolean) {
    const { db, tables } = this.database
    const placeholder = (name: string) => sql.placeholder(name)
    const stageFilter = stage ? sql` AND c.prospect_stage = ${placeholder('stage')}` : sql``
    const page = sql`SELECT f.rowid FROM customers_fts f JOIN customers c ON c.id = f.rowid
      WHERE customers_fts MATCH ${placeholder('match')} AND c.is_archived = ${placeholder('archived')}${stageFilter}
      ORDER BY f.rowid DESC LIMIT ${placeholder('limit')} OFFSET ${placeholder('offset')}`
    return db.select().from(tables.customers).where(sql`${tables.customers.id} IN (${page})`).orderBy(desc(tables.customers.id)).prepare()
  }

  indexedMatches({ needles, filter, limit, offset }: MatchQuery): IndexedMatches | undefined {
    if (!needles.every((needle) => [...needle].length >= 3)) return undefined
    const match = ftsQuery(needles)
    const archived = filter.archived ? 1 : 0
    const stage = filter.prospectStage !== undefined
    let page = this.pages.get(stage)
    if (!page) {
      page = this.preparePage(stage)
      this.pages.set(stage, page)
    }
    const rows = page.all({ match, archived, stage: filter.prospectStage, limit, offset })
    const params: (string | number)[] = filter.prospectStage === undefined ? [match, archived] : [match, archived, filter.prospectStage]
    // bun:sqlite caches this statement by its text.
    const countUpTo = (rowLimit: number) =>
      this.database.handle
        .query<{ n: number }, (string | number)[]>(`SELECT count(*) AS n FROM (SELECT 1 ${ftsMatches(stage)} LIMIT ?)`)
        .get(...params, rowLimit)?.n ?? 0
    return { ids: rows.map((row) => row.id), rows, countUpTo }
  }
}

/**
 * PostgreSQL: one statement per search page, its rows each carrying the capped
 * count (an uncorrelated subquery, run once), so the count costs no second
 * query or pooled connection. The planner serves each part its own way: the
 * page by walking customers_live_idx backwards (a common term) or through the
 * pg_trgm GIN index (a rare one); the count, which needs no order, by a scan
 * that stops at countLimit matches or the same GIN index.
 *
 * The statement is built once per shape (number of needles, stage filter or
 * not) and prepared: building it per request cost more client CPU than the
 * database spent on it. Each execution still gets a plan for its own terms:
 * a generic plan must assume the count reads every row, so it never wins.
 */
class PostgresCustomerSearchStore implements CustomerSearchStore {
  readonly countsAlongside = true
  private readonly statements = new Map<string, ReturnType<PostgresCustomerSearchStore['prepare']>>()

  constructor(private readonly database: PostgresDatabase) {}

  liveCount(): undefined {
    return undefined
  }

  /** The same condition as searchCondition (search.ts), over placeholders. */
  private prepare(needleCount: number, stage: boolean) {
    const { pgDb } = this.database
    const { customers } = this.database.pgTables
    const patterns = Array.from(
      { length: needleCount },
      (_, i) => sql`${customers.searchText} LIKE ${sql.placeholder(`pattern${i}`)} ESCAPE '\\'`,
    )
    const where = and(
      isNull(customers.deletedAt),
      eq(customers.isArchived, sql.placeholder('archived')),
      stage ? eq(customers.prospectStage, sql.placeholder('stage')) : undefined,
      or(...patterns),
    )
    const matches = pgDb.select({ one: sql`1` }).from(customers).where(where).limit(sql.placeholder('countLimit')).as('matches')
    return pgDb
      .select({ ...getTableColumns(customers), matched: sql<number>`(SELECT count(*) FROM ${matches})`.mapWith(Number) })
      .from(customers)
      .where(where)
      .orderBy(desc(customers.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare(`customer_search_${needleCount}${stage ? '_stage' : ''}`)
  }

  async indexedMatches({ needles, filter, where, limit, offset, countLimit }: MatchQuery): Promise<IndexedMatches> {
    const stage = filter.prospectStage !== undefined
    const shape = `${needles.length}${stage ? 's' : ''}`
    let statement = this.statements.get(shape)
    if (!statement) {
      statement = this.prepare(needles.length, stage)
      this.statements.set(shape, statement)
    }
    const patterns = Object.fromEntries(needles.map((needle, i) => [`pattern${i}`, containsPattern(needle)]))
    const found = await statement.execute({
      ...patterns,
      archived: filter.archived,
      stage: filter.prospectStage,
      countLimit,
      limit,
      offset,
    })
    const rows: CustomerRow[] = found.map(({ matched: _, ...row }) => row)
    const matched = found[0]?.matched
    const countUpTo = (rowLimit: number): number | Promise<number> =>
      matched !== undefined && rowLimit <= countLimit ? Math.min(matched, rowLimit) : this.countUpTo(where, rowLimit)
    return { ids: rows.map((row) => row.id), rows, countUpTo }
  }

  /** The count alone: only for a page past the last match, which has no row to carry it. */
  private async countUpTo(where: SQL, rowLimit: number): Promise<number> {
    const { pgDb } = this.database
    const { customers } = this.database.pgTables
    const matches = pgDb.select({ one: sql`1` }).from(customers).where(where).limit(rowLimit).as('matches')
    const [counted] = await pgDb.select({ value: sql<number>`count(*)`.mapWith(Number) }).from(matches)
    return counted?.value ?? 0
  }
}

export function createCustomerSearchStore(database: Database): CustomerSearchStore {
  return database.kind === 'sqlite' ? new SqliteCustomerSearchStore(database) : new PostgresCustomerSearchStore(database)
}
