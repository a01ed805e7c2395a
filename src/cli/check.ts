import { Database as SqliteHandle } from 'bun:sqlite'
import { existsSync, mkdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ConfigError, loadConfig, type Config } from '../config'
import { RETIRED_VARIABLES, VARIABLES } from '../config/variables'
import { generateSecret } from './secret'

type CheckStatus = 'ok' | 'warn' | 'fail'
export interface CheckItem {
  status: CheckStatus
  name: string
  message: string
}

type Env = Record<string, string | undefined>

function item(status: CheckStatus, name: string, message: string): CheckItem {
  return { status, name, message }
}

/**
 * Loads the configuration as far as it goes: each malformed variable becomes a
 * failed item and is dropped, so one typo does not hide the rest of the list.
 */
function loadForCheck(env: Env): { config: Config; problems: CheckItem[] } {
  const working = { ...env }
  const problems: CheckItem[] = []
  const handled = new Set<string>()
  for (;;) {
    try {
      return { config: loadConfig(working, { ensureSecret: false }), problems }
    } catch (error) {
      const name = error instanceof ConfigError ? error.variable : undefined
      // Every problem names its variable and each variable is set aside at its first: anything else is a fault.
      if (!name || handled.has(name)) throw error
      handled.add(name)
      if (name === 'SECRET_KEY') {
        // Judged by its own item from the raw value; a stand-in key lets the other items run.
        working.SECRET_KEY = generateSecret()
        continue
      }
      problems.push(item('fail', name, (error as Error).message))
      // The checklist is about production: the rest is judged as production would judge it.
      if (name === 'ENVIRONMENT') working.ENVIRONMENT = 'production'
      else delete working[name]
    }
  }
}

/**
 * The production checklist, in the order of variables.ts (docs/operations.md's
 * "Production checklist" is generated from the same rules): for each variable
 * with a production rule, its problem when malformed, or the rule's verdict.
 * `probed` holds the items of the rules that need the disk or the database.
 */
export function checklist(env: Env, config: Config, problems: CheckItem[], probed: CheckItem[] = []): CheckItem[] {
  const items: CheckItem[] = []
  for (const { name, production: rule } of VARIABLES) {
    const problem = problems.find((p) => p.name === name)
    if (problem) items.push(problem)
    else if (!rule) continue
    else if ('probe' in rule) items.push(...probed.filter((p) => p.name === name))
    else {
      const failure = rule.fails?.message(config, env)
      const warning = rule.warns?.message(config, env)
      if (failure !== undefined) items.push(item('fail', name, failure))
      else if (warning !== undefined) items.push(item('warn', name, warning))
      else items.push(item('ok', name, rule.ok(config, env)))
    }
  }
  for (const { name, message } of RETIRED_VARIABLES) if (env[name]?.trim()) items.push(item('warn', name, message))
  return items
}

/** The driver's or file system's own first line, e.g. `database "x" does not exist`. */
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]

/**
 * The SQLite file's directory must be writable (WAL keeps -wal and -shm files
 * beside the database): proven by a probe that is removed again, which also
 * holds for root. No database file is created.
 */
function dataDirItem(path: string): CheckItem {
  if (path === ':memory:') return item('fail', 'DATA_DIR', 'the database is in memory: nothing survives a restart')
  const dir = dirname(path)
  if (!existsSync(dir)) {
    const parent = dirname(dir)
    if (!existsSync(parent)) return item('fail', 'DATA_DIR', `${dir} does not exist, nor its parent ${parent}`)
    try {
      mkdirSync(dir)
      rmdirSync(dir)
      return item('ok', 'DATA_DIR', `${dir} will be created at first start`)
    } catch (error) {
      return item('fail', 'DATA_DIR', `${dir} cannot be created: ${reason(error)}`)
    }
  }
  if (!statSync(dir).isDirectory()) return item('fail', 'DATA_DIR', `${dir} is not a directory`)
  const probe = join(dir, `.crm-check-${process.pid}`)
  try {
    writeFileSync(probe, '')
    rmSync(probe)
    return item('ok', 'DATA_DIR', `${dir} is writable`)
  } catch (error) {
    return item('fail', 'DATA_DIR', `${dir} is not writable by this user: ${reason(error)}`)
  }
}

/** Opens the database read-only where possible and shows the driver's own error; never creates a file. */
async function databaseItem(config: Config): Promise<CheckItem> {
  const target = config.database
  if (target.kind === 'sqlite') {
    if (target.path === ':memory:') return item('ok', 'DATABASE_URL', 'in-memory SQLite')
    if (!existsSync(target.path)) return item('ok', 'DATABASE_URL', `no database yet at ${target.path}: it is created at first start`)
    let handle: SqliteHandle | undefined
    try {
      handle = new SqliteHandle(target.path, { readonly: true })
      handle.prepare('SELECT count(*) FROM sqlite_master').get()
      return item('ok', 'DATABASE_URL', `SQLite at ${target.path} readable`)
    } catch (error) {
      return item('fail', 'DATABASE_URL', `SQLite at ${target.path}: ${reason(error)}`)
    } finally {
      handle?.close()
    }
  }
  const { openPostgres } = await import('../db/postgres')
  const database = openPostgres(target.url, { max: 1 })
  try {
    await database.ping()
    return item('ok', 'DATABASE_URL', 'PostgreSQL reachable')
  } catch (error) {
    return item('fail', 'DATABASE_URL', `PostgreSQL: ${reason(error)}`)
  } finally {
    await database.close().catch(() => {})
  }
}

export async function runCheck(env: Env): Promise<number> {
  const { config, problems } = loadForCheck(env)
  const probed = [await databaseItem(config)]
  if (config.database.kind === 'sqlite') probed.push(dataDirItem(config.database.path))
  const items = checklist(env, config, problems, probed)
  for (const { status, name, message } of items) console.log(`${status.toUpperCase().padEnd(4)}  ${name}: ${message}`)
  const failed = items.filter((i) => i.status === 'fail').length
  console.log(failed ? `${failed} check(s) failed` : 'all checks passed')
  return failed ? 1 : 0
}
