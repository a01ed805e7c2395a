import { Database as SqliteHandle } from 'bun:sqlite'
import { chmodSync, existsSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Config } from '../config'
import { CliError } from './errors'

/**
 * `crm-api backup PATH`: a consistent copy of the SQLite database, taken while
 * the server runs. VACUUM INTO reads one snapshot inside a read transaction
 * (WAL lets writers go on meanwhile) and writes a compact, self-contained file
 * with no -wal beside it. PostgreSQL has its own tools.
 */
export async function runBackup(config: Config, args: string[]): Promise<number> {
  const [target, ...extra] = args
  if (!target || extra.length) throw new CliError('usage: crm-api backup PATH')
  if (config.database.kind !== 'sqlite') {
    throw new CliError(
      'backup copies SQLite databases; for PostgreSQL use pg_dump, e.g. pg_dump --format=custom --file=crm.dump "$DATABASE_URL"',
    )
  }
  const source = config.database.path
  if (source === ':memory:') throw new CliError('the database is in memory: there is nothing to back up')
  if (!existsSync(source)) throw new CliError(`no database at ${source} (check DATA_DIR or DATABASE_URL)`)
  const path = resolve(target)
  // Never overwrite: an old backup may be the only good copy.
  if (existsSync(path)) throw new CliError(`${path} already exists: choose a new file name`)
  if (!existsSync(dirname(path))) throw new CliError(`directory ${dirname(path)} does not exist`)

  const db = new SqliteHandle(source, { readwrite: true, create: false })
  try {
    db.exec('PRAGMA busy_timeout = 10000')
    db.prepare('VACUUM INTO ?').run(path)
  } catch (error) {
    throw new CliError(`backup failed: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    db.close()
  }
  // The copy holds password hashes and customer data: owner only.
  chmodSync(path, 0o600)

  const copy = new SqliteHandle(path, { readonly: true })
  try {
    const result = copy.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]
    const verdict = result.map((row) => row.integrity_check).join('; ')
    if (verdict !== 'ok') throw new CliError(`the copy at ${path} failed its integrity check: ${verdict}`)
  } finally {
    copy.close()
  }
  console.log(`backup written to ${path} (${statSync(path).size} bytes, integrity ok)`)
  return 0
}
