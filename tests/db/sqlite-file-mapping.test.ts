import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '../../src/db/client'

const dir = mkdtempSync(join(tmpdir(), 'crm-sqlite-mapping-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** File-backed resident memory of this process, in MB (Linux). */
function residentFileMegabytes(): number {
  const match = /RssFile:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  return Number(match?.[1]) / 1024
}

test.skipIf(process.platform !== 'linux')(
  'releasing the file mapping hands back the pages a scan read, and the database reads on as before',
  async () => {
    const database = openSqlite(join(dir, 'crm.db'))
    const { handle } = database
    handle.exec('CREATE TABLE filler (text TEXT NOT NULL)')
    const insert = handle.prepare('INSERT INTO filler (text) VALUES (?)')
    handle.transaction(() => {
      for (let i = 0; i < 60_000; i++) insert.run(`${'x'.repeat(500)}${i}`)
    })()
    // Into the database file: pages still in the WAL are read from there, not through the mapping.
    handle.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    const scan = () => handle.query<{ n: number }, []>("SELECT count(*) AS n FROM filler WHERE text LIKE '%59999'").get()?.n

    const before = residentFileMegabytes()
    expect(scan()).toBe(1)
    const scanned = residentFileMegabytes()
    expect(scanned - before).toBeGreaterThan(20)

    database.releaseFileMapping()
    expect(scanned - residentFileMegabytes()).toBeGreaterThan(20)
    expect(handle.query<{ mmap_size: number }, []>('PRAGMA mmap_size').get()?.mmap_size).toBe(256 * 1024 * 1024)
    expect(scan()).toBe(1)
    await database.close()
    // After close it does nothing rather than throw: the idle check may fire during shutdown.
    database.releaseFileMapping()
  },
)
