import { expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '../../src/db/client'

// Another process holding the file for a moment (a backup, the CLI, a server still
// shutting down) must make a start wait, not fail with "database is locked".
test('opening waits for a lock another process holds briefly [sqlite]', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'crm-lock-')), 'crm.db')
  const holder = Bun.spawn(
    [
      process.execPath,
      '-e',
      `const { Database } = require('bun:sqlite')
       const db = new Database(${JSON.stringify(path)}, { create: true })
       db.exec('CREATE TABLE t (x)')
       db.exec('BEGIN EXCLUSIVE')
       console.log('locked')
       setTimeout(() => { db.exec('COMMIT'); db.close() }, 400)`,
    ],
    { stdout: 'pipe', stderr: 'inherit' },
  )
  const reader = holder.stdout.getReader()
  expect(new TextDecoder().decode((await reader.read()).value)).toContain('locked')
  const database = openSqlite(path)
  try {
    expect(database.handle.query('PRAGMA journal_mode').values()).toEqual([['wal']])
  } finally {
    await database.close()
    await holder.exited
  }
})
