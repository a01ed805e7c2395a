import { eq } from 'drizzle-orm'
import type { Config } from '../config'
import { resetTwoFactor } from '../auth/two-factor/reset'
import { NotFound } from '../http/errors'
import { USER_NOT_FOUND_DETAIL, type UserManagement } from '../users/management'
import { normalizeEmail } from '../users/service'
import { CliError } from './errors'
import { readPassword, withManagement } from './user'

/** Verbs for getting back in: an operator at the server's console, audited as actor `cli`. */
const VERBS = ['list', 'set-password', 'disable', 'enable', 'unlock', 'reset-2fa'] as const
type RecoveryVerb = (typeof VERBS)[number]

export function isRecoveryVerb(verb: string): verb is RecoveryVerb {
  return (VERBS as readonly string[]).includes(verb)
}

async function target(management: UserManagement, email: string) {
  const row = await management.users.findByEmail(email)
  if (!row) throw new NotFound(`${USER_NOT_FOUND_DETAIL}: ${normalizeEmail(email)}`)
  return row
}

function listLine(cells: string[], widths: number[]): string {
  return cells
    .map((cell, i) => cell.padEnd(widths[i] ?? 0))
    .join('  ')
    .trimEnd()
}

async function list(config: Config): Promise<void> {
  const rows = await withManagement(config, async (management) => {
    const all = []
    for (let page = 1; ; page++) {
      const { rows: batch, total } = await management.users.list(page, 200)
      all.push(...batch)
      if (all.length >= total || batch.length === 0) return all
    }
  })
  const header = ['ID', 'EMAIL', 'ROLE', 'ACTIVE', '2FA']
  const table = [header, ...rows.map((r) => [String(r.id), r.email, r.role, r.isActive ? 'yes' : 'no', r.totpEnabledAt ? 'on' : 'off'])]
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0)))
  for (const row of table) console.log(listLine(row, widths))
}

export async function runRecoveryVerb(config: Config, verb: RecoveryVerb, args: string[], usage: string): Promise<number> {
  if (verb === 'list') {
    if (args.length) throw new CliError(usage)
    await list(config)
    return 0
  }
  const passwordStdin = verb === 'set-password' && args.includes('--password-stdin')
  const positional = args.filter((arg) => !(passwordStdin && arg === '--password-stdin'))
  const [email, extra] = positional
  if (!email || extra !== undefined || email.startsWith('--')) throw new CliError(usage)

  if (verb === 'set-password') {
    const password = await readPassword({ passwordStdin })
    const row = await withManagement(config, async (management) =>
      management.update({ kind: 'console' }, (await target(management, email)).id, { password }),
    )
    console.log(`password of ${row.email} changed; every session of the user has ended`)
    return 0
  }
  if (verb === 'disable' || verb === 'enable') {
    const row = await withManagement(config, async (management) =>
      management.update({ kind: 'console' }, (await target(management, email)).id, { isActive: verb === 'enable' }),
    )
    console.log(verb === 'enable' ? `${row.email} is enabled` : `${row.email} is disabled; every session of the user has ended`)
    return 0
  }
  if (verb === 'unlock') {
    const cleared = await withManagement(config, async (management, ctx) => {
      const row = await target(management, email)
      const { loginAttempts } = ctx.database.tables
      // The throttle counts failures by the e-mail address: forgetting them unlocks the account.
      const removed = await ctx.database.db
        .delete(loginAttempts)
        .where(eq(loginAttempts.email, row.email))
        .returning({ id: loginAttempts.id })
      await ctx.audit.record({
        action: 'user.unlocked',
        actorEmail: 'cli',
        target: `user:${row.id} ${row.email}`,
        details: { attempts_cleared: removed.length },
      })
      return { email: row.email, count: removed.length }
    })
    console.log(`${cleared.email} is unlocked (${cleared.count} recorded login attempts cleared)`)
    return 0
  }
  const result = await withManagement(config, async (management, ctx) => {
    const row = await target(management, email)
    const { wasEnabled, notice } = await resetTwoFactor(ctx, { kind: 'console' }, row.id)
    await notice
    return { email: row.email, wasEnabled }
  })
  console.log(
    result.wasEnabled
      ? `two-factor sign-in of ${result.email} is off; they can sign in with the password alone`
      : `${result.email} had no two-factor sign-in`,
  )
  return 0
}
