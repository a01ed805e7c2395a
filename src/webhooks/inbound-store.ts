import type { Statement } from 'bun:sqlite'
import type { Database, PostgresDatabase, SqliteDatabase } from '../db/client'

interface InboundMessage {
  sid: string
  from: string
  to: string
  /** The sender in E.164, when it parsed: links the message to the customer with that phone. */
  fromE164: string | undefined
  content: string
  mediaUrls: string[] | null
  at: Date
  /** STOP (true) or START (false): applied to `fromE164` (when it parsed) only if this message is new, in the same transaction. */
  optOut?: boolean
}

interface StoredInbound {
  id: number
  customerId: number | null
}

/**
 * Stores an inbound SMS once per MessageSid, linked to the oldest live customer
 * with the sender's number, in one prepared statement (the customer is a
 * subquery of the insert): this runs for every message Twilio delivers, and the
 * query builder's per-call SQL building and statement preparation, plus a
 * separate customer lookup, were most of its cost. Undefined when the sid was
 * already stored. A STOP or START is written with its message, both or
 * neither: a retry of a stored message (Twilio retries until it gets a 2xx)
 * changes nothing, so a late retry of an old STOP cannot undo a later START.
 */
export interface InboundStore {
  insert(message: InboundMessage): Promise<StoredInbound | undefined>
}

/**
 * The oldest live customer with that phone: the one no other live customer with it precedes. Not
 * `ORDER BY c.id LIMIT 1`, the same row, which SQLite ran three times slower and, inside the insert,
 * doubled the cost of storing a message.
 */
const CUSTOMER_OF = (param: string) =>
  `(SELECT c.id FROM customers c WHERE c.phone = ${param} AND c.deleted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM customers o WHERE o.phone = ${param} AND o.deleted_at IS NULL AND o.id < c.id))`

/** What both dialects bind first, in this order: address, our number, text, sid, the sender's E.164, media (JSON). */
type MessageValues = [string, string, string, string, string | null, string | null]

function messageValues(m: InboundMessage): MessageValues {
  return [m.fromE164 ?? m.from, m.to, m.content, m.sid, m.fromE164 ?? null, m.mediaUrls ? JSON.stringify(m.mediaUrls) : null]
}

/** The consent change a message carries: only for a sender whose number parsed. */
function optOutOf(m: InboundMessage): { phone: string; optedOut: boolean } | undefined {
  return m.optOut !== undefined && m.fromE164 !== undefined ? { phone: m.fromE164, optedOut: m.optOut } : undefined
}

/** The shared values, then the time in milliseconds. */
type SqliteInboundArgs = [...MessageValues, number]

/** The opt-out change a queued message carries: the phone, 1 (STOP) or 0 (START), and when. */
type SqliteOptOutArgs = [string, number, number]

const UPSERT_OPT_OUT_SQLITE = `INSERT INTO sms_opt_outs (phone, opted_out, updated_at) VALUES (?1, ?2, ?3)
  ON CONFLICT (phone) DO UPDATE SET opted_out = excluded.opted_out, updated_at = excluded.updated_at`

/**
 * Inserts share one transaction when messages arrive faster than one per
 * millisecond (a group commit): most of an insert's cost is writing the table
 * and index pages to the WAL at commit, and consecutive messages touch the same
 * pages. Served requests reach their insert in separate microtask checkpoints,
 * so a flush per checkpoint commits each message alone; under such a stream the
 * flush waits for the loop's check phase (setImmediate) instead, when the
 * requests read in this turn have queued theirs. Bun runs that phase only once
 * other ready work is done, so a batch is also committed by the next insert once
 * it is MAX_WAIT_MS old or MAX_BATCH rows long, and by a timer after MAX_WAIT_MS.
 * A message arriving alone is committed at once, as before. Each caller is
 * answered only after the commit; if the batch fails, each insert is retried on
 * its own so one bad row fails alone.
 */
const MAX_BATCH = 256
const MAX_WAIT_MS = 2

function sqliteStore({ handle }: SqliteDatabase): InboundStore {
  // Prepared on first use: the store may be built before migrations have run.
  const prepare = () =>
    handle.prepare<{ id: number; customer_id: number | null }, SqliteInboundArgs>(
      `INSERT INTO communications (type, direction, status, from_address, to_address, peer_address, content, external_id, customer_id, media_urls, created_at, updated_at)
       VALUES ('sms', 'inbound', 'received', ?1, ?2, ?1, ?3, ?4, ${CUSTOMER_OF('?5')}, ?6, ?7, ?7)
       ON CONFLICT (external_id) DO NOTHING
       RETURNING id, customer_id`,
    )
  let statement: ReturnType<typeof prepare> | undefined
  let upsertOptOut: Statement<unknown, SqliteOptOutArgs> | undefined
  type Queued = {
    args: SqliteInboundArgs
    optOut: SqliteOptOutArgs | undefined
    resolve: (row: StoredInbound | undefined) => void
    reject: (error: unknown) => void
  }
  let queue: Queued[] = []
  let immediate: ReturnType<typeof setImmediate> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  /** When the current batch's first insert was queued, and when the last flush ran. */
  let queuedAt = 0
  let flushedAt = Number.NEGATIVE_INFINITY

  /** Inside a transaction when the message carries an opt-out change. */
  const insertOne = ({ args, optOut }: Queued): StoredInbound | undefined => {
    statement ??= prepare()
    const row = statement.get(...args)
    if (!row) return undefined
    if (optOut) {
      upsertOptOut ??= handle.prepare<unknown, SqliteOptOutArgs>(UPSERT_OPT_OUT_SQLITE)
      upsertOptOut.run(...optOut)
    }
    return { id: row.id, customerId: row.customer_id }
  }

  /** One message on its own: in a transaction of its own when it writes two rows and none is open. */
  const insertAlone = (item: Queued): StoredInbound | undefined => {
    if (!item.optOut || handle.inTransaction) return insertOne(item)
    handle.exec('BEGIN IMMEDIATE')
    try {
      const row = insertOne(item)
      handle.exec('COMMIT')
      return row
    } catch (error) {
      if (handle.inTransaction) handle.exec('ROLLBACK')
      throw error
    }
  }

  const flush = () => {
    clearImmediate(immediate)
    clearTimeout(timer)
    immediate = timer = undefined
    const batch = queue
    queue = []
    flushedAt = performance.now()
    // Alone, or inside someone else's (synchronous) transaction: no batch transaction of our own.
    if (batch.length > 1 && !handle.inTransaction) {
      try {
        handle.exec('BEGIN IMMEDIATE')
        const rows = batch.map(insertOne)
        handle.exec('COMMIT')
        batch.forEach((item, i) => {
          item.resolve(rows[i])
        })
        return
      } catch {
        if (handle.inTransaction) handle.exec('ROLLBACK')
      }
    }
    for (const item of batch) {
      try {
        item.resolve(insertAlone(item))
      } catch (error) {
        item.reject(error)
      }
    }
  }

  return {
    insert(m) {
      const args: SqliteInboundArgs = [...messageValues(m), m.at.getTime()]
      const change = optOutOf(m)
      const optOut: SqliteOptOutArgs | undefined = change && [change.phone, change.optedOut ? 1 : 0, m.at.getTime()]
      return new Promise((resolve, reject) => {
        const queued = queue.push({ args, optOut, resolve, reject })
        const now = performance.now()
        if (queued === 1) {
          queuedAt = now
          if (now - flushedAt >= 1) queueMicrotask(flush)
          else {
            immediate = setImmediate(flush)
            timer = setTimeout(flush, MAX_WAIT_MS)
          }
        } else if (queued >= MAX_BATCH || now - queuedAt >= MAX_WAIT_MS) flush()
      })
    },
  }
}

const INSERT_PG = `INSERT INTO communications (type, direction, status, from_address, to_address, peer_address, content, external_id, customer_id, media_urls, created_at, updated_at)
  VALUES ('sms', 'inbound', 'received', $1, $2, $1, $3, $4,
          (SELECT c.id FROM customers c WHERE c.phone = $5::text AND c.deleted_at IS NULL ORDER BY c.id LIMIT 1),
          $6::jsonb, $7::timestamptz, $7::timestamptz)
  ON CONFLICT (external_id) DO NOTHING
  RETURNING id, customer_id`

/** One statement, so one transaction: the opt-out ($8, for $5) is written only with a new message. */
const INSERT_WITH_OPT_OUT_PG = `WITH stored AS (${INSERT_PG}),
  consent AS (
    INSERT INTO sms_opt_outs (phone, opted_out, updated_at)
    SELECT $5::text, $8::boolean, $7::timestamptz FROM stored
    ON CONFLICT (phone) DO UPDATE SET opted_out = excluded.opted_out, updated_at = excluded.updated_at
  )
  SELECT id, customer_id FROM stored`

/**
 * PostgreSQL: a fixed text per case, prepared once per connection of Bun's native
 * client (database.inbound), so one round trip per message; postgres.js spent
 * more of the server's CPU per query than the rest of the webhook.
 */
function postgresStore({ inbound }: PostgresDatabase): InboundStore {
  return {
    async insert(m) {
      const params: unknown[] = [...messageValues(m), m.at.toISOString()]
      const change = optOutOf(m)
      if (change) params.push(change.optedOut)
      const [row] = (await inbound.unsafe(change ? INSERT_WITH_OPT_OUT_PG : INSERT_PG, params).values()) as [number, number | null][]
      return row ? { id: row[0], customerId: row[1] } : undefined
    },
  }
}

export function createInboundStore(database: Database): InboundStore {
  return database.kind === 'sqlite' ? sqliteStore(database) : postgresStore(database)
}
