import { Database as SqliteHandle } from 'bun:sqlite'
import { existsSync, mkdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ConfigError, ENVIRONMENTS, loadConfig, secretKeyProblem, type Config } from '../config'
import { openPostgres } from '../db/client'
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

const isSet = (env: Env, name: string) => (env[name]?.trim() ?? '') !== ''

/**
 * Loads the configuration as far as it goes: each malformed variable becomes a
 * failed item and is dropped, so one typo does not hide the rest of the list.
 */
function loadForCheck(env: Env): { config: Config | undefined; problems: CheckItem[] } {
  const working = { ...env }
  const problems: CheckItem[] = []
  const handled = new Set<string>()
  for (;;) {
    try {
      return { config: loadConfig(working, { ensureSecret: false }), problems }
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      const name = error.variable
      if (!name || handled.has(name)) {
        problems.push(item('fail', 'configuration', error.message))
        return { config: undefined, problems }
      }
      handled.add(name)
      if (name === 'SECRET_KEY') {
        // Reported by its own item; a stand-in key lets the other items run.
        working.SECRET_KEY = generateSecret()
      } else if (name === 'ENVIRONMENT') {
        problems.push(item('fail', name, error.message))
        working.ENVIRONMENT = 'production'
      } else {
        problems.push(item('fail', name, error.message))
        delete working[name]
      }
    }
  }
}

/** The production checklist (docs/operations.md "Production checklist" lists the same items). */
export function checklist(env: Env, config: Config | undefined, problems: CheckItem[]): CheckItem[] {
  const items: CheckItem[] = []
  const environment = env.ENVIRONMENT?.trim() ?? ''
  if (!problems.some((p) => p.name === 'ENVIRONMENT')) {
    items.push(
      /^(production|prod|staging)$/i.test(environment)
        ? item('ok', 'ENVIRONMENT', `${environment} counts as production`)
        : item('fail', 'ENVIRONMENT', `not production: set ENVIRONMENT=production (accepted: ${ENVIRONMENTS.join(', ')})`),
    )
  }
  const keyProblem = secretKeyProblem(env.SECRET_KEY === '' ? undefined : env.SECRET_KEY)
  items.push(keyProblem ? item('fail', 'SECRET_KEY', keyProblem) : item('ok', 'SECRET_KEY', 'set, long, not a known default or a pattern'))
  items.push(...problems)
  if (!config) return items

  if (isSet(env, 'DEBUG')) items.push(item('warn', 'DEBUG', 'DEBUG is set but has no effect: remove it'))
  items.push(
    config.docsEnabled
      ? item('warn', 'DOCS_ENABLED', 'API docs are public (/docs, /redoc, /openapi.json); unset DOCS_ENABLED to turn them off')
      : item('ok', 'DOCS_ENABLED', 'docs off'),
  )
  items.push(
    config.twilio.authToken
      ? item('ok', 'TWILIO_AUTH_TOKEN', 'set: webhooks can be verified')
      : item('warn', 'TWILIO_AUTH_TOKEN', 'not set: Twilio webhooks will be rejected'),
  )
  items.push(
    config.twilio.accountSid && (config.twilio.phoneNumber || config.twilio.messagingServiceSid)
      ? item('ok', 'TWILIO_ACCOUNT_SID', 'SMS sender configured')
      : item(
          'warn',
          'TWILIO_ACCOUNT_SID',
          'SMS sending is not configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER or TWILIO_MESSAGING_SERVICE_SID)',
        ),
  )
  items.push(
    config.smtpUrl && config.emailFrom
      ? item('ok', 'SMTP_URL', 'e-mail configured')
      : item(
          'warn',
          'SMTP_URL',
          'e-mail sending is not configured (set SMTP_URL and EMAIL_FROM): password reset by e-mail answers 503 and no security notices are sent',
        ),
  )
  if (!isSet(env, 'FRONTEND_URL'))
    items.push(item('fail', 'FRONTEND_URL', "not set: list the front end's origin, e.g. https://crm.example.com"))
  else if (config.frontendOrigins.includes('*'))
    items.push(item('warn', 'FRONTEND_URL', '"*" is never granted credentials: list exact origins'))
  else if (config.frontendOrigins.some((o) => o.startsWith('http://'))) items.push(item('warn', 'FRONTEND_URL', 'an origin is plain http'))
  else items.push(item('ok', 'FRONTEND_URL', config.frontendOrigins.join(', ')))
  if (!config.publicUrl) {
    items.push(
      item(
        'fail',
        'PUBLIC_URL',
        'not set: Twilio signatures would be checked against a URL built from X-Forwarded-* headers, which a client can forge',
      ),
    )
  } else if (!config.publicUrl.startsWith('https://')) items.push(item('warn', 'PUBLIC_URL', 'not https'))
  else items.push(item('ok', 'PUBLIC_URL', config.publicUrl))
  items.push(
    config.metricsToken
      ? item('ok', 'METRICS_TOKEN', 'metrics behind a bearer token')
      : item('ok', 'METRICS_TOKEN', 'not set: /metrics is off (404)'),
  )
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
  const items = checklist(env, config, problems)
  if (config?.database.kind === 'sqlite') items.push(dataDirItem(config.database.path))
  if (config) items.push(await databaseItem(config))
  for (const { status, name, message } of items) console.log(`${status.toUpperCase().padEnd(4)}  ${name}: ${message}`)
  const failed = items.filter((i) => i.status === 'fail').length
  console.log(failed ? `${failed} check(s) failed` : 'all checks passed')
  return failed ? 1 : 0
}
