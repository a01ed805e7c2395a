import {
  and,
  type Column,
  desc,
  eq,
  fillPlaceholders,
  getTableColumns,
  or,
  type Placeholder,
  type Query,
  sql,
  type SQL,
  type SQLWrapper,
} from 'drizzle-orm'
import type postgres from 'postgres'
import { boolean, integer, pgTable, text } from 'drizzle-orm/pg-core'
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
  /** How many customers the plain list shows, counting no further than rowLimit, where the store has a cheaper way than the table. */
  countListed?(filter: ListFilter, rowLimit: number): Promise<number>
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
 * The narrow copy of the live customers that PostgreSQL searches (id, list
 * filters, search_text), made and kept in step by triggers in
 * drizzle/pg/0004_customers_search_table.sql. Declared here, not in the
 * schema: nothing writes it but those triggers, and SQLite has no such table.
 */
const customersSearch = pgTable('customers_search', {
  id: integer('id').primaryKey(),
  isArchived: boolean('is_archived').notNull(),
  prospectStage: text('prospect_stage'),
  searchText: text('search_text').notNull(),
})

type Bound<T> = T | Placeholder

/** Rows of customers_search in the list filter. */
function narrowFilter(archived: Bound<boolean>, stage: Bound<string> | undefined): SQL {
  return and(eq(customersSearch.isArchived, archived), stage === undefined ? undefined : eq(customersSearch.prospectStage, stage)) as SQL
}

/** `searchText` holds any of the LIKE `patterns` (see containsPattern). */
function holdsAny(searchText: SQLWrapper, patterns: Bound<string>[]): SQL {
  return or(...patterns.map((pattern) => sql`${searchText} LIKE ${pattern} ESCAPE '\\'`)) as SQL
}

/** How many of the newest rows a search walks per row of its page before it sorts every match instead. */
const WALK_ROWS_PER_PAGE_ROW = 50

/**
 * PostgreSQL: one statement per search page, its rows each carrying the capped
 * count, so the count costs no second query or pooled connection. Everything
 * but the page's own rows is read from the narrow customers_search table.
 *
 * The statement takes its way by what it finds, not by the planner's row
 * estimates for LIKE, which are guesses from a sample (one for `555012` was 31
 * rows where 3,472 matched, and the page sorted them all): it first collects
 * up to countLimit matches, through the pg_trgm GIN index, which rechecks only
 * the rows it returns — the count. When that found them all, the page is the
 * newest of them. Otherwise the term is common, and walking the newest rows
 * backwards finds the page within a few rows per match. Only when that walk
 * runs out (WALK_ROWS_PER_PAGE_ROW) does a second statement sort every match
 * (`sorted`).
 *
 * Text is built once per shape: building it per request cost more client CPU
 * than the database spent on it. It is sent as an unnamed statement, so each
 * execution is planned for its own terms; a named one switches to a generic
 * plan after five executions when those looked no cheaper (after five searches
 * for `555012`, every later term counted by a sequential scan).
 */
class PostgresCustomerSearchStore implements CustomerSearchStore {
  readonly countsAlongside = true
  private readonly statements = new Map<string, { found: Query; sorted: Query }>()
  private readonly listedCounts = new Map<boolean, ReturnType<PostgresCustomerSearchStore['prepareListedCount']>>()
  private readonly columns: [keyof CustomerRow, Column][]

  constructor(private readonly database: PostgresDatabase) {
    this.columns = Object.entries(getTableColumns(database.pgTables.customers)) as [keyof CustomerRow, Column][]
  }

  liveCount(): undefined {
    return undefined
  }

  /**
   * Both statements of a shape, over the same condition as searchCondition
   * (search.ts). Placeholders: pattern0.., archived, stage, countLimit, limit,
   * offset; `found` also need (offset + limit) and walkLimit.
   */
  private build(needleCount: number, stage: boolean): { found: Query; sorted: Query } {
    const { pgDb } = this.database
    const { customers } = this.database.pgTables
    const ph = sql.placeholder
    const patterns = Array.from({ length: needleCount }, (_, i) => ph(`pattern${i}`))
    const filter = narrowFilter(ph('archived'), stage ? ph('stage') : undefined)
    const where = and(filter, holdsAny(customersSearch.searchText, patterns))
    // Every match, but read only as far as the statement pulls (up to countLimit). Referenced twice, the
    // CTE is planned on its own for reading every row (GIN for a rare term): with the limit inside, the
    // planner bet on a scan stopping early, and read 96 k rows for matches that were all among the newest.
    const matches = pgDb.$with('matches').as(pgDb.select({ id: customersSearch.id }).from(customersSearch).where(where))
    const firstMatches = pgDb.select({ one: sql`1` }).from(matches).limit(ph('countLimit')).as('first_matches')
    const tally = pgDb.$with('tally').as(pgDb.select({ n: sql<number>`count(*)`.as('n') }).from(firstMatches))
    const newest = pgDb
      .select({ id: customersSearch.id, searchText: customersSearch.searchText })
      .from(customersSearch)
      .where(filter)
      .orderBy(desc(customersSearch.id))
      .limit(ph('walkLimit'))
      .as('newest')
    const walked = pgDb
      .$with('walked')
      .as(pgDb.select({ id: newest.id }).from(newest).where(holdsAny(newest.searchText, patterns)).limit(ph('need')))
    const counted = sql`(SELECT ${tally.n} FROM ${tally})`
    // One branch yields rows: its condition is a one-time filter, checked before its scan starts.
    const candidates = sql`SELECT ${matches.id} FROM ${matches} WHERE ${counted} < ${ph('countLimit')}
      UNION ALL SELECT ${walked.id} FROM ${walked} WHERE ${counted} >= ${ph('countLimit')}`
    const page = sql`SELECT "id" FROM (${candidates}) AS "candidates" ORDER BY "id" DESC LIMIT ${ph('limit')} OFFSET ${ph('offset')}`
    // From the tally, so a page past the last match still answers the count (as one row of nulls).
    const found = pgDb
      .with(matches, tally, walked)
      .select({ ...getTableColumns(customers), matched: sql<number>`${tally.n}`.as('matched') })
      .from(tally)
      .leftJoin(customers, sql`${customers.id} = ANY (ARRAY(${page}))`)
      .orderBy(desc(customers.id))
      .toSQL()

    const capped = pgDb.select({ one: sql`1` }).from(customersSearch).where(where).limit(ph('countLimit')).as('capped')
    // `+ 0`: sorted, not walked in id order (the first statement's walk ran out).
    const every = pgDb
      .select({ id: customersSearch.id })
      .from(customersSearch)
      .where(where)
      .orderBy(sql`${customersSearch.id} + 0 DESC`)
      .limit(ph('limit'))
      .offset(ph('offset'))
      .as('every')
    const sorted = pgDb
      .select({ ...getTableColumns(customers), matched: sql<number>`(SELECT count(*) FROM ${capped})`.as('matched') })
      .from(every)
      .innerJoin(customers, eq(customers.id, every.id))
      .orderBy(desc(customers.id))
      .toSQL()
    return { found, sorted }
  }

  /** A row as the driver returned it, mapped as drizzle maps the customers table. */
  private toRow(raw: Record<string, unknown>): CustomerRow {
    const row: Record<string, unknown> = {}
    for (const [key, column] of this.columns) {
      const value = raw[column.name]
      row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value)
    }
    return row as CustomerRow
  }

  /** One statement's page, and its count (from a row of nulls when the page is empty). */
  private async run(statement: Query, values: Record<string, unknown>): Promise<{ rows: CustomerRow[]; matched: number }> {
    const params = fillPlaceholders(statement.params, values) as postgres.ParameterOrJSON<never>[]
    const found = await this.database.sql.unsafe<Record<string, unknown>[]>(statement.sql, params, { prepare: false })
    const rows = found.filter((raw) => raw.id !== null).map((raw) => this.toRow(raw))
    return { rows, matched: Number(found[0]?.matched ?? 0) }
  }

  async indexedMatches({ needles, filter, limit, offset, countLimit }: MatchQuery): Promise<IndexedMatches> {
    const shape = `${needles.length}${filter.prospectStage !== undefined ? 's' : ''}`
    let statements = this.statements.get(shape)
    if (!statements) {
      statements = this.build(needles.length, filter.prospectStage !== undefined)
      this.statements.set(shape, statements)
    }
    const values: Record<string, unknown> = {
      archived: filter.archived,
      stage: filter.prospectStage,
      countLimit,
      need: offset + limit,
      walkLimit: WALK_ROWS_PER_PAGE_ROW * (offset + limit),
      limit,
      offset,
    }
    needles.forEach((needle, i) => {
      values[`pattern${i}`] = containsPattern(needle)
    })
    let page = await this.run(statements.found, values)
    // A short page is the last one when every match was counted; else the walk ran out.
    if (page.rows.length < limit && page.matched >= countLimit) page = await this.run(statements.sorted, values)
    const { rows, matched } = page
    const countUpTo = (rowLimit: number): number | Promise<number> =>
      rowLimit <= countLimit ? Math.min(matched, rowLimit) : this.countUpTo(needles, filter, rowLimit)
    return { ids: rows.map((row) => row.id), rows, countUpTo }
  }

  /** The list's rows are customers_search's rows: counting its narrow rows reads half the pages. */
  async countListed(filter: ListFilter, rowLimit: number): Promise<number> {
    const stage = filter.prospectStage !== undefined
    let statement = this.listedCounts.get(stage)
    if (!statement) {
      statement = this.prepareListedCount(stage)
      this.listedCounts.set(stage, statement)
    }
    const [counted] = await statement.execute({ archived: filter.archived, stage: filter.prospectStage, rowLimit })
    return counted?.value ?? 0
  }

  /** Named and prepared: its plan (a scan that stops at rowLimit) holds for any filter. */
  private prepareListedCount(stage: boolean) {
    const { pgDb } = this.database
    const listed = pgDb
      .select({ one: sql`1` })
      .from(customersSearch)
      .where(narrowFilter(sql.placeholder('archived'), stage ? sql.placeholder('stage') : undefined))
      .limit(sql.placeholder('rowLimit'))
      .as('listed')
    return pgDb
      .select({ value: sql<number>`count(*)`.mapWith(Number) })
      .from(listed)
      .prepare(`customers_listed_count${stage ? '_stage' : ''}`)
  }

  /** A count further than the statement counted (CustomerSearch asks no further than countLimit). */
  private async countUpTo(needles: string[], filter: ListFilter, rowLimit: number): Promise<number> {
    const { pgDb } = this.database
    const where = and(
      narrowFilter(filter.archived, filter.prospectStage),
      holdsAny(customersSearch.searchText, needles.map(containsPattern)),
    )
    const matches = pgDb.select({ one: sql`1` }).from(customersSearch).where(where).limit(rowLimit).as('matches')
    const [counted] = await pgDb.select({ value: sql<number>`count(*)`.mapWith(Number) }).from(matches)
    return counted?.value ?? 0
  }
}

export function createCustomerSearchStore(database: Database): CustomerSearchStore {
  return database.kind === 'sqlite' ? new SqliteCustomerSearchStore(database) : new PostgresCustomerSearchStore(database)
}
