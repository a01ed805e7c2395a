/**
 * A private PostgreSQL cluster that a test may stop and start at will, so the
 * shared server on 5432 (used by every other test) is never touched.
 * Needs the PostgreSQL server binaries and root (initdb refuses to run as root,
 * so it runs as the `postgres` system user through runuser).
 */
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../helpers/spawn'

/** runuser lives in /usr/sbin, which a CI runner's PATH may leave out. */
const RUNUSER = Bun.which('runuser', { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` })

/** The bin directory of the newest installed PostgreSQL, when the binaries and runuser are usable. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root) || process.getuid?.() !== 0 || !RUNUSER) return undefined
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] ? join(root, versions[0], 'bin') : undefined
}

export interface PrivatePostgres {
  url: string
  port: number
  start(): Promise<void>
  /** `fast` closes client connections; `immediate` is a crash-like stop. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>
  destroy(): Promise<void>
}

async function run(command: string[]): Promise<void> {
  const proc = Bun.spawn(command, { stdout: 'pipe', stderr: 'pipe' })
  const code = await proc.exited
  if (code !== 0) throw new Error(`${command.slice(3).join(' ')} failed (${code}): ${await new Response(proc.stderr).text()}`)
}

function uidGid(user: string): { uid: number; gid: number } {
  const out = Bun.spawnSync(['id', '-u', user]).stdout.toString().trim()
  const gid = Bun.spawnSync(['id', '-g', user]).stdout.toString().trim()
  return { uid: Number(out), gid: Number(gid) }
}

export async function createPrivatePostgres(bin: string): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-pg-'))
  const { uid, gid } = uidGid('postgres')
  chownSync(dir, uid, gid)
  const data = join(dir, 'data')
  const as = (...args: string[]) => [RUNUSER ?? 'runuser', '-u', 'postgres', '--', ...args]
  await run(as(join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'))
  const port = freePort()
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: () => run(as(join(bin, 'pg_ctl'), '-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start')),
    stop: (mode = 'fast') => run(as(join(bin, 'pg_ctl'), '-D', data, '-m', mode, '-w', '-t', '30', 'stop')),
    async destroy() {
      await pg.stop('immediate').catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await pg.start()
  return pg
}
