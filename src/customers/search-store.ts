import type { Database as SqliteHandle } from 'bun:sqlite'
import type { Database } from '../db/client'

/** Which customers a list shows besides the search: archived or not, and optionally one prospect stage. */
export interface ListFilter {
  archived: boolean
  prospectStage?: string
}

/** Matches found through a database's own text index: one page of ids, newest first, and a counter of them all. */
interface IndexedMatches {
  ids: number[]
  /** How many customers match, counting no further than `rowLimit`. */
  countUpTo(rowLimit: number): number
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
  /** A page found through the database's text index, or undefined when it has none for these needles. */
  indexedMatches(needles: string[], filter: ListFilter, limit: number, offset: number): IndexedMatches | undefined
}

/** An FTS5 query matching any needle as a literal phrase (the trigram tokenizer makes a phrase a substring). */
function ftsQuery(needles: string[]): string {
  return needles.map((needle) => `"${needle.replaceAll('"', '""')}"`).join(' OR ')
}

/**
 * SQLite answers in process, so it counts only when needed. The FTS5 trigram
 * table `customers_fts` (live rows, kept by triggers) serves needles of three
 * or more characters, and a trigger-kept row holds the default list's count
 * (drizzle/sqlite/0003, 0005).
 */
class SqliteCustomerSearchStore implements CustomerSearchStore {
  readonly countsAlongside = false

  constructor(private readonly handle: SqliteHandle) {}

  liveCount(): number | undefined {
    return this.handle.query<{ n: number }, []>('SELECT n FROM customers_live_count WHERE id = 1').get()?.n
  }

  indexedMatches(needles: string[], filter: ListFilter, limit: number, offset: number): IndexedMatches | undefined {
    if (!needles.every((needle) => [...needle].length >= 3)) return undefined
    // bun:sqlite caches these statements by their text. The FTS table holds live rows; the join applies the list filters.
    const params: (string | number)[] = [ftsQuery(needles), filter.archived ? 1 : 0]
    let from = 'FROM customers_fts f JOIN customers c ON c.id = f.rowid WHERE customers_fts MATCH ? AND c.is_archived = ?'
    if (filter.prospectStage !== undefined) {
      from += ' AND c.prospect_stage = ?'
      params.push(filter.prospectStage)
    }
    const ids = this.handle
      .query<{ id: number }, (string | number)[]>(`SELECT f.rowid AS id ${from} ORDER BY f.rowid DESC LIMIT ? OFFSET ?`)
      .all(...params, limit, offset)
      .map((row) => row.id)
    const countUpTo = (rowLimit: number) =>
      this.handle.query<{ n: number }, (string | number)[]>(`SELECT count(*) AS n FROM (SELECT 1 ${from} LIMIT ?)`).get(...params, rowLimit)
        ?.n ?? 0
    return { ids, countUpTo }
  }
}

/** PostgreSQL searches with LIKE served by the pg_trgm GIN index (the portable path) and overlaps its counts. */
const postgresCustomerSearchStore: CustomerSearchStore = {
  countsAlongside: true,
  liveCount: () => undefined,
  indexedMatches: () => undefined,
}

export function createCustomerSearchStore(database: Database): CustomerSearchStore {
  return database.kind === 'sqlite' ? new SqliteCustomerSearchStore(database.handle) : postgresCustomerSearchStore
}
