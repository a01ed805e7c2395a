import { join, relative } from 'node:path'
import type { Config } from '../config'
import { COMPILED } from '../version'

type Env = Record<string, string | undefined>

/** How to run a CLI verb the way this server was started: the executable, the npm script, or bun on the source. */
function cliCommand(env: Env = process.env): string {
  if (COMPILED) return process.argv0
  if (env.npm_lifecycle_event) return 'npm run crm --'
  const script = process.argv[1] ?? 'src/index.ts'
  const near = relative(process.cwd(), script)
  return `bun ${near && !near.startsWith('..') ? near : script}`
}

/** The command that creates the first superuser against this server's database. */
export function firstUserCommand(config: Config, env: Env = process.env): string {
  // Another shell only finds the same SQLite file when it is told the same DATA_DIR.
  const dataDir = config.database.kind === 'sqlite' && env.DATA_DIR?.trim() ? `DATA_DIR=${config.dataDir} ` : ''
  const command = `${dataDir}${cliCommand(env)} user create --email you@example.com --role superuser`
  // Production reads SECRET_KEY and the rest from the service's environment, which a login shell lacks.
  return config.isProduction ? `${command} (with this server's environment, e.g. crm-api-admin under systemd)` : command
}

/** Where the data is, without credentials: an absolute SQLite path, or PostgreSQL's host and database. */
export function databaseLocation(config: Config): string {
  if (config.database.kind === 'sqlite') return config.database.path
  const url = new URL(config.database.url)
  return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`
}

export function baseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host
  return `http://${shown}:${port}`
}

/** The one human-readable line of the start-up log: where to go, where the data is, what to do first. */
export function bannerLine(
  config: Config,
  port: number,
  firstUser: 'existing' | 'created' | 'none',
  versionLine: string,
  env: Env = process.env,
): string {
  const url = baseUrl(config.host, port)
  const parts = [`CRM API ${versionLine} listening on ${url}`]
  if (config.docsEnabled) parts.push(`docs ${url}/docs`)
  parts.push(`database ${databaseLocation(config)}`)
  if (!config.isProduction && config.secretKeySource !== 'env') parts.push(`development secret in ${join(config.dataDir, 'secret.key')}`)
  if (firstUser === 'none') parts.push(`no users yet: ${firstUserCommand(config, env)}`)
  return parts.join(' | ')
}
