import { beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { createInboundStore, type InboundStore } from '../../src/webhooks/inbound-store'
import { describeEachDialect } from '../helpers/harness'
import { useMigratedDatabase } from './migrated'

const AT = new Date('2024-05-01T10:00:00.125Z')
const PHONE = '+15550001111'
let sidSeq = 0
const message = (overrides: Partial<Parameters<InboundStore['insert']>[0]> = {}) => ({
  sid: `SM${String(++sidSeq).padStart(32, '0')}`,
  from: PHONE,
  to: '+15550009999',
  fromE164: PHONE,
  content: 'hello',
  mediaUrls: null,
  at: AT,
  ...overrides,
})

/** The InboundStore contract, run against the implementation of each database. */
describeEachDialect('InboundStore contract', (dialect) => {
  const current = useMigratedDatabase(dialect)
  let store: InboundStore
  let oldest: number

  beforeAll(async () => {
    const { db, tables } = current()
    const { customers } = tables
    const [deleted] = await db
      .insert(customers)
      .values({ firstName: 'Gone', lastName: 'X', phone: PHONE, deletedAt: AT })
      .returning({ id: customers.id })
    const [first] = await db.insert(customers).values({ firstName: 'First', lastName: 'X', phone: PHONE }).returning({ id: customers.id })
    await db.insert(customers).values({ firstName: 'Second', lastName: 'X', phone: PHONE })
    expect(deleted!.id).toBeLessThan(first!.id)
    oldest = first!.id
    store = createInboundStore(current())
  })

  async function stored(id: number) {
    const { db, tables } = current()
    const [row] = await db.select().from(tables.communications).where(eq(tables.communications.id, id))
    return row
  }

  test('a message is stored once, linked to the oldest live customer with the sender’s number', async () => {
    const sent = message({ mediaUrls: ['https://example.com/a.jpg'] })
    const row = await store.insert(sent)
    expect(row).toEqual({ id: expect.any(Number), customerId: oldest })
    expect(await stored(row!.id)).toMatchObject({
      type: 'sms',
      direction: 'inbound',
      status: 'received',
      fromAddress: PHONE,
      toAddress: '+15550009999',
      peerAddress: PHONE,
      content: 'hello',
      externalId: sent.sid,
      customerId: oldest,
      mediaUrls: ['https://example.com/a.jpg'],
      createdAt: AT,
      updatedAt: AT,
    })
    expect(await store.insert(sent)).toBeUndefined()
  })

  test('an unknown or unparsed sender is stored without a customer', async () => {
    const unknown = await store.insert(message({ from: '+15550002222', fromE164: '+15550002222' }))
    expect(unknown?.customerId).toBeNull()
    const unparsed = await store.insert(message({ from: 'SHORTCODE', fromE164: undefined }))
    expect(unparsed?.customerId).toBeNull()
    expect(await stored(unparsed!.id)).toMatchObject({ fromAddress: 'SHORTCODE', peerAddress: 'SHORTCODE', mediaUrls: null })
  })

  test('a burst of messages, one of them twice: each caller gets its own answer and each sid is stored once', async () => {
    const burst = Array.from({ length: 6 }, () => message())
    const answers = await Promise.all([...burst, burst[2]!].map((m) => store.insert(m)))
    const ids = answers.filter((answer) => answer !== undefined).map((answer) => answer.id)
    expect(ids).toHaveLength(6)
    expect(new Set(ids).size).toBe(6)
    expect(answers.filter((answer) => answer === undefined)).toHaveLength(1)
  })

  test('a message that cannot be stored fails alone; the rest of its burst is stored', async () => {
    const burst = [message(), message({ at: new Date(Number.NaN) }), message()]
    const results = await Promise.allSettled(burst.map((m) => store.insert(m)))
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    for (const result of [results[0], results[2]]) {
      expect(result?.status === 'fulfilled' && result.value?.customerId).toBe(oldest)
    }
  })

  async function optOutOf(phone: string) {
    const { db, tables } = current()
    const [row] = await db.select().from(tables.smsOptOuts).where(eq(tables.smsOptOuts.phone, phone))
    return row?.optedOut
  }

  test('a STOP or START is written with its new message; a retry of an old STOP changes nothing', async () => {
    const phone = '+15550004444'
    const stop = message({ from: phone, fromE164: phone, content: 'STOP', optOut: true })
    expect(await store.insert(stop)).toBeDefined()
    expect(await optOutOf(phone)).toBe(true)
    expect(await store.insert(message({ from: phone, fromE164: phone, content: 'START', optOut: false }))).toBeDefined()
    expect(await optOutOf(phone)).toBe(false)
    expect(await store.insert(stop)).toBeUndefined()
    expect(await optOutOf(phone)).toBe(false)
  })

  test('a STOP whose message cannot be stored leaves the number as it was', async () => {
    const phone = '+15550005555'
    await expect(
      store.insert(message({ from: phone, fromE164: phone, content: 'STOP', optOut: true, at: new Date(Number.NaN) })),
    ).rejects.toThrow()
    expect(await optOutOf(phone)).toBeUndefined()
  })
})

// Inbound SMS mostly have no user and often no customer: those rows stay out of both indexes.
describeEachDialect('communications indexes', (dialect) => {
  const current = useMigratedDatabase(dialect)

  test('both are partial, and a customer’s history is still read through its index', async () => {
    const database = current()
    if (database.kind === 'sqlite') {
      const partial = database.handle.query<{ name: string; partial: number }, []>('PRAGMA index_list(communications)').all()
      expect(
        partial
          .filter((index) => index.partial === 1)
          .map((index) => index.name)
          .sort(),
      ).toEqual(['communications_customer_idx', 'communications_user_idx'])
      const plan = database.handle
        .query<{ detail: string }, [number, number]>(
          `EXPLAIN QUERY PLAN SELECT id FROM communications WHERE customer_id = ?1 AND (user_id = ?2 OR direction = 'inbound')
           ORDER BY created_at DESC, id DESC LIMIT 50`,
        )
        .all(1, 2)
      expect(plan.map((step) => step.detail).join('\n')).toContain('USING INDEX communications_customer_idx')
    } else {
      const definitions = await database.sql<{ indexname: string; indexdef: string }[]>`
        SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'communications' AND indexdef LIKE '%WHERE%' ORDER BY indexname`
      expect(definitions.map((index) => index.indexname)).toEqual(['communications_customer_idx', 'communications_user_idx'])
    }
  })
})
