import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite, type SqliteDatabase } from '../../src/db/client'
import { runMigrations } from '../../src/db/migrate'
import { createInboundStore, type InboundStore } from '../../src/webhooks/inbound-store'

let sequence = 0
const message = () => ({
  sid: `SM${String(++sequence).padStart(32, '0')}`,
  from: '+14155550100',
  to: '+15005550006',
  fromE164: '+14155550100',
  content: `message ${sequence}`,
  mediaUrls: null,
  at: new Date(),
})

/** The SQLite store's group commit: batched under a stream, prompt alone, never lost. */
describe('inbound store group commit (SQLite)', () => {
  let dir: string
  let database: SqliteDatabase
  let store: InboundStore
  const stored = () => (database.handle.query('SELECT count(*) AS n FROM communications').get() as { n: number }).n

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-inbound-batch-'))
    database = openSqlite(join(dir, 'crm.db'))
    await runMigrations(database)
    store = createInboundStore(database)
  })
  afterAll(async () => {
    await database.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('a message arriving alone is committed without waiting for the check phase', async () => {
    await Bun.sleep(5)
    let checkPhase = false
    setImmediate(() => {
      checkPhase = true
    })
    const row = await store.insert(message())
    expect(row?.id).toBeGreaterThan(0)
    expect(checkPhase).toBe(false)
  })

  test('a stream of messages from separate tasks is stored in full, each answered with its own row', async () => {
    const before = stored()
    const answers: Promise<unknown>[] = []
    for (let i = 0; i < 300; i++) {
      answers.push(store.insert(message()))
      // Each message reaches the store from its own task, as served requests do.
      if (i % 3 === 2) await new Promise((resolve) => setTimeout(resolve, 0))
    }
    const rows = (await Promise.all(answers)) as { id: number }[]
    expect(new Set(rows.map((row) => row.id)).size).toBe(300)
    expect(stored()).toBe(before + 300)
  })

  test('a STOP queued in a batch is written with its message; a retry of it in a later batch changes nothing', async () => {
    const optedOut = () =>
      (database.handle.query("SELECT opted_out AS o FROM sms_opt_outs WHERE phone = '+14155550100'").get() as { o: number } | null)?.o
    // Queue behind a recent flush, so these are deferred and committed together.
    await store.insert(message())
    const stop = { ...message(), content: 'STOP', optOut: true }
    const batch = await Promise.all([store.insert(message()), store.insert(stop), store.insert(message())])
    expect(batch.every((row) => row !== undefined)).toBe(true)
    expect(optedOut()).toBe(1)
    await store.insert({ ...message(), content: 'START', optOut: false })
    expect(optedOut()).toBe(0)
    const retried = await Promise.all([store.insert(message()), store.insert(stop)])
    expect(retried[1]).toBeUndefined()
    expect(optedOut()).toBe(0)
  })
})
