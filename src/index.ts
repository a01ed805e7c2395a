#!/usr/bin/env bun
import { dirname } from 'node:path'
import { ConfigError, ensureDataDir, loadConfig, type Config } from './config'
import { ensurePortFree, serve } from './cli/serve'
import { generateSecret } from './cli/secret'
import { runCheck } from './cli/check'
import { runMigrate } from './cli/migrate'
import { runBackup } from './cli/backup'
import { runUser } from './cli/user'
import { VERSION, versionLine } from './version'
import { CliError } from './cli/errors'

const HELP = `crm-api ${VERSION} — CRM back end for small offices

Usage:
  crm-api [serve]                          run the HTTP server (default)
  crm-api migrate                          apply database migrations and exit
  crm-api user create --email E --role R   create a user (password from --password-stdin or a prompt)
  crm-api user set-role E R                change a user's role (user, admin, superuser)
  crm-api user list                        list users (role, active, two-factor)
  crm-api user set-password E              set a password (--password-stdin or a prompt); ends the user's sessions
  crm-api user disable E | enable E        disable (ends sessions) or re-enable an account
  crm-api user unlock E                    clear the login throttle of an account
  crm-api user reset-2fa E                 turn off a user's two-factor sign-in (lost authenticator)
  crm-api check                            check the production checklist for this environment
  crm-api backup PATH                      write a consistent copy of the SQLite database to PATH
  crm-api secret                           print a new random SECRET_KEY
  crm-api --version                        print the version and the git commit it was built from
  crm-api --help                           this text

Configuration comes from environment variables; see the README.`

/** Commands that write the SQLite database check its directory first: one line naming DATA_DIR beats a driver error. */
function withDataDir(config: Config): Config {
  const target = config.database
  if (target.kind === 'sqlite' && target.path !== ':memory:') {
    const dir = dirname(target.path)
    ensureDataDir(dir, dir === config.dataDir ? 'DATA_DIR' : 'DATABASE_URL')
  }
  return config
}

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv
  switch (command) {
    case '--version':
    case '-v':
    case 'version':
      console.log(versionLine())
      return 0
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP)
      return 0
    case 'secret':
      console.log(generateSecret())
      return 0
    case 'serve': {
      const config = loadConfig()
      ensurePortFree(config)
      await serve(withDataDir(config))
      return -1
    }
    case 'migrate':
      return runMigrate(withDataDir(loadConfig()))
    case 'check':
      return runCheck(process.env)
    case 'backup':
      return runBackup(loadConfig(process.env, { ensureSecret: false }), rest)
    case 'user':
      return runUser(withDataDir(loadConfig()), rest)
    default:
      console.error(`crm-api: unknown command "${command}" (try --help)`)
      return 2
  }
}

try {
  const code = await main(process.argv.slice(2))
  if (code >= 0) process.exit(code)
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`crm-api: configuration error: ${error.message}`)
    process.exit(1)
  }
  if (error instanceof CliError) {
    console.error(`crm-api: ${error.message}`)
    process.exit(1)
  }
  const message = error instanceof Error ? error.message : String(error)
  console.error(`crm-api: ${message.split('\n')[0]}`)
  process.exit(1)
}
