import { ConfigError, loadConfig, secretKeyProblem, type Config } from '../config'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { openDatabase } from '../db/client'

export type CheckStatus = 'ok' | 'warn' | 'fail'
export interface CheckItem {
  status: CheckStatus
  name: string
  message: string
}

type Env = Record<string, string | undefined>

function item(status: CheckStatus, name: string, message: string): CheckItem {
  return { status, name, message }
}

/** The production checklist (README "Production checklist" lists the same items). */
export function checklist(env: Env, config: Config | undefined, configError: string | undefined): CheckItem[] {
  const items: CheckItem[] = []
  if (configError) items.push(item('fail', 'configuration', configError))
  const production = config?.isProduction ?? /^(production|prod|staging)$/i.test(env.ENVIRONMENT ?? '')
  items.push(production ? item('ok', 'ENVIRONMENT', `${env.ENVIRONMENT} counts as production`) : item('fail', 'ENVIRONMENT', 'not production: set ENVIRONMENT=production'))
  const keyProblem = secretKeyProblem(env.SECRET_KEY === '' ? undefined : env.SECRET_KEY)
  items.push(keyProblem ? item('fail', 'SECRET_KEY', keyProblem) : item('ok', 'SECRET_KEY', 'set, not a known default, long enough'))
  if (!config) return items
  items.push(config.debug ? item('fail', 'DEBUG', 'DEBUG is on') : item('ok', 'DEBUG', 'off'))
  items.push(config.docsEnabled ? item('warn', 'DOCS_ENABLED', 'API docs are public; set DOCS_ENABLED=false') : item('ok', 'DOCS_ENABLED', 'docs disabled'))
  items.push(config.twilio.authToken ? item('ok', 'TWILIO_AUTH_TOKEN', 'set: webhooks can be verified') : item('warn', 'TWILIO_AUTH_TOKEN', 'not set: Twilio webhooks will be rejected'))
  items.push(
    config.twilio.accountSid && (config.twilio.phoneNumber || config.twilio.messagingServiceSid)
      ? item('ok', 'TWILIO_ACCOUNT_SID', 'SMS sender configured')
      : item('warn', 'TWILIO_ACCOUNT_SID', 'SMS sending is not configured'),
  )
  items.push(config.smtpUrl && config.emailFrom ? item('ok', 'SMTP_URL', 'e-mail configured') : item('warn', 'SMTP_URL', 'e-mail sending is not configured'))
  if (config.frontendOrigins.includes('*')) items.push(item('warn', 'FRONTEND_URL', '"*" is never granted credentials: list exact origins'))
  else if (config.frontendOrigins.some((o) => o.startsWith('http://'))) items.push(item('warn', 'FRONTEND_URL', 'an origin is plain http'))
  else items.push(item('ok', 'FRONTEND_URL', config.frontendOrigins.join(', ')))
  if (!config.publicUrl) items.push(item('warn', 'PUBLIC_URL', 'not set: webhook URLs are rebuilt from proxy headers'))
  else if (!config.publicUrl.startsWith('https://')) items.push(item('warn', 'PUBLIC_URL', 'not https'))
  else items.push(item('ok', 'PUBLIC_URL', config.publicUrl))
  items.push(config.metricsToken ? item('ok', 'METRICS_TOKEN', 'metrics protected') : item('warn', 'METRICS_TOKEN', '/metrics is public'))
  return items
}

/**
 * The SQLite file's directory must be writable (WAL keeps -wal and -shm files
 * beside the database): proven by writing a probe file, which also holds for root.
 */
function dataDirItem(path: string): CheckItem {
  if (path === ':memory:') return item('fail', 'DATA_DIR', 'the database is in memory: nothing survives a restart')
  const dir = dirname(path)
  const probe = join(dir, `.crm-check-${process.pid}`)
  try {
    mkdirSync(dir, { recursive: true })
    writeFileSync(probe, '')
    rmSync(probe)
    return item('ok', 'DATA_DIR', `${dir} is writable`)
  } catch {
    return item('fail', 'DATA_DIR', `${dir} cannot be created or written by this user`)
  }
}

/** Opening may itself fail (a directory that cannot be created): that is a failed check, not a crash. */
async function databaseItem(config: Config): Promise<CheckItem> {
  let database: ReturnType<typeof openDatabase> | undefined
  try {
    database = openDatabase(config.database)
    await database.ping()
    return item('ok', 'DATABASE_URL', `${database.kind} reachable`)
  } catch {
    return item('fail', 'DATABASE_URL', `${config.database.kind} not reachable`)
  } finally {
    await database?.close().catch(() => {})
  }
}

export async function runCheck(env: Env): Promise<number> {
  let config: Config | undefined
  let configError: string | undefined
  try {
    config = loadConfig(env, { ensureSecret: false })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    configError = error.message
  }
  const items = checklist(env, config, configError)
  if (config?.database.kind === 'sqlite') items.push(dataDirItem(config.database.path))
  if (config) items.push(await databaseItem(config))
  for (const { status, name, message } of items) console.log(`${status.toUpperCase().padEnd(4)}  ${name}: ${message}`)
  const failed = items.filter((i) => i.status === 'fail').length
  console.log(failed ? `${failed} check(s) failed` : 'all checks passed')
  return failed ? 1 : 0
}
