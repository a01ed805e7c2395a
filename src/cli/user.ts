import type { Config } from '../config'
import { createContext, type AppContext } from '../context'
import { openDatabase } from '../db/client'
import { runMigrations } from '../db/migrate'
import { createLogger } from '../logger'
import { HttpError, ValidationFailed } from '../http/errors'
import { UserManagement } from '../users/management'
import { normalizeEmail } from '../users/service'
import { CliError } from './errors'
import { isRecoveryVerb, runRecoveryVerb } from './user-recovery'

const USAGE =
  'usage: crm-api user create --email E --role R [--full-name N] [--password-stdin] | user set-role E R | user list | user set-password E [--password-stdin] | user disable E | user enable E | user unlock E | user reset-2fa E'

interface CreateOptions {
  email?: string
  role?: string
  fullName?: string
  passwordStdin: boolean
}

function parseCreate(args: string[]): CreateOptions {
  const options: CreateOptions = { passwordStdin: false }
  for (let i = 0, arg = args[0]; arg !== undefined; arg = args[++i]) {
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const value = () => {
      const next = inline ?? args[++i]
      if (next === undefined || next === '') throw new CliError(`${flag} needs a value (${USAGE})`)
      return next
    }
    switch (flag) {
      case '--email':
        options.email = value()
        break
      case '--role':
        options.role = value()
        break
      case '--full-name':
      case '--name':
        options.fullName = value()
        break
      case '--password-stdin':
        options.passwordStdin = true
        break
      default:
        throw new CliError(`unknown option "${arg}" (${USAGE})`)
    }
  }
  return options
}

/** The password's first line from a pipe; only the line break is removed. */
async function passwordFromStdin(): Promise<string> {
  const text = await Bun.stdin.text()
  const line = text.split(/\r?\n/)[0] ?? ''
  if (line === '') throw new CliError('no password on stdin')
  return line
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin
  // Echo goes off before the question appears: an answer typed (or pasted) at once is never shown.
  stdin.setRawMode(true)
  process.stderr.write(question)
  return new Promise((resolve, reject) => {
    let typed = ''
    const finish = (error?: Error) => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      process.stderr.write('\n')
      if (error) reject(error)
      else resolve(typed)
    }
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish()
        if (char === '\u0003' || char === '\u0004') return finish(new CliError('cancelled'))
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('')
        else if (char >= ' ') typed += char
      }
    }
    stdin.resume()
    stdin.on('data', onData)
  })
}

export async function readPassword(options: { passwordStdin: boolean }): Promise<string> {
  if (options.passwordStdin) return passwordFromStdin()
  if (!process.stdin.isTTY) throw new CliError('no terminal to prompt for the password: pipe it in with --password-stdin')
  const first = await promptHidden('Password: ')
  const second = await promptHidden('Repeat password: ')
  if (first !== second) throw new CliError('the passwords do not match')
  return first
}

/** Turns a service refusal (409, 422, 404) into one line for the terminal. */
function explain(error: unknown): never {
  if (error instanceof HttpError) {
    const fields = error instanceof ValidationFailed ? error.errors.map((e) => `${e.field}: ${e.message}`).join('; ') : ''
    throw new CliError(fields || error.detail)
  }
  throw error
}

export async function withManagement<T>(config: Config, work: (management: UserManagement, ctx: AppContext) => Promise<T>): Promise<T> {
  const database = await openDatabase(config.database)
  try {
    await runMigrations(database)
    const ctx = createContext(config, { database, logger: createLogger('silent') })
    return await work(new UserManagement(ctx), ctx).catch(explain)
  } finally {
    await database.close()
  }
}

export async function runUser(config: Config, args: string[]): Promise<number> {
  const [verb, ...rest] = args
  if (verb === 'create') {
    const options = parseCreate(rest)
    if (!options.email) throw new CliError(`--email is required (${USAGE})`)
    if (!options.role) throw new CliError(`--role is required: user, admin or superuser (${USAGE})`)
    const password = await readPassword(options)
    const email = options.email
    const role = options.role
    const row = await withManagement(config, (management) =>
      management.create({ kind: 'console' }, { email, password, role, fullName: options.fullName }),
    )
    console.log(`created user ${row.email} (role ${row.role})`)
    return 0
  }
  if (verb === 'set-role') {
    const [email, role, extra] = rest
    if (!email || !role || extra !== undefined) throw new CliError(USAGE)
    const row = await withManagement(config, (management) => management.setRoleByEmail(email, role))
    console.log(`${normalizeEmail(row.email)} now has role ${row.role}`)
    return 0
  }
  if (verb && isRecoveryVerb(verb)) return runRecoveryVerb(config, verb, rest, USAGE)
  throw new CliError(USAGE)
}
