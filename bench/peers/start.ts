/**
 * The peer stacks of the `peers` section, installed on demand (never by the
 * project's own `npm ci`, never in CI's tests) and started on the SQLite
 * server's database file. A peer that cannot be installed or started is
 * skipped with the reason; the bench goes on.
 *   Express 5 + better-sqlite3: `npm ci --prefix bench/peers/express` (its own lock file).
 *   FastAPI + uvicorn: Debian's python3-fastapi, python3-uvicorn (with uvloop and
 *   httptools, uvicorn's own fast loop and parser) through apt-get; PyPI is not assumed.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROLE_PERMISSIONS } from '../../src/auth/permissions'
import { freePort } from '../../testkit/server'
import type { BenchServer } from '../servers'

export interface Peer {
  name: string
  /** Versions and how it runs (workers, loop), for the report. */
  describe: string
  url: string
  pid: number
  stop(): Promise<void>
}

export type PeerOutcome = { peer: Peer } | { skipped: string; reason: string }

const DIR = import.meta.dir
const EXPRESS_DIR = join(DIR, 'express')
/** A current SQLite for the Python peer, built from the amalgamation better-sqlite3 ships (gitignored). */
const SQLITE_DIR = join(DIR, '.sqlite')
const DEBIAN_PACKAGES = ['python3-fastapi', 'python3-uvicorn', 'python3-uvloop', 'python3-httptools']

async function run(cmd: string[], env?: Record<string, string>): Promise<{ ok: boolean; out: string }> {
  const proc = Bun.spawn(cmd, { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, ...env } })
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()])
  return { ok: (await proc.exited) === 0, out: `${out}${err}`.trim() }
}

/** The telling line of a tool's output: the last one, leaving out npm's pointer to its log file. */
const lastLine = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() && !line.includes('complete log of this run'))
    .at(-1)
    ?.slice(0, 200) ?? ''

async function installExpress(node: string): Promise<string | undefined> {
  const probe = ['-e', "require('better-sqlite3'); require('express')"]
  if ((await run([node, ...probe], { NODE_PATH: join(EXPRESS_DIR, 'node_modules') })).ok) return undefined
  const npm = Bun.which('npm')
  if (!npm) return 'npm not found'
  console.log('installing the Express peer: npm ci --prefix bench/peers/express (builds better-sqlite3 when no prebuilt binary downloads)')
  const installed = await run([npm, 'ci', '--prefix', EXPRESS_DIR, '--no-audit', '--no-fund'])
  if (!installed.ok) return `npm ci failed: ${lastLine(installed.out)}`
  const loads = await run([node, ...probe], { NODE_PATH: join(EXPRESS_DIR, 'node_modules') })
  return loads.ok ? undefined : `installed but does not load: ${lastLine(loads.out)}`
}

function versionOf(name: string): string {
  return JSON.parse(readFileSync(join(EXPRESS_DIR, 'node_modules', name, 'package.json'), 'utf8')).version
}

function permissionsEnv(sqlite: BenchServer) {
  const dataDir = sqlite.server.dataDir
  return {
    PEER_DB: join(dataDir, 'crm.db'),
    PEER_SECRET: readFileSync(join(dataDir, 'secret.key'), 'utf8').trim(),
    PEER_PERMISSIONS: JSON.stringify(ROLE_PERMISSIONS),
  }
}

async function launch(name: string, describe: string, cmd: string[], env: Record<string, string>, port: number): Promise<PeerOutcome> {
  const proc = Bun.spawn(cmd, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, PORT: String(port) },
    stdout: 'ignore',
    stderr: 'pipe',
  })
  let err = ''
  void (async () => {
    for await (const chunk of proc.stderr) err += new TextDecoder().decode(chunk)
  })()
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 1500; i++) {
    if (proc.exitCode !== null) return { skipped: name, reason: `exited at start: ${lastLine(err)}` }
    if ((await fetch(`${url}/health`).catch(() => undefined))?.ok)
      return {
        peer: {
          name,
          describe,
          url,
          pid: proc.pid,
          async stop() {
            proc.kill()
            await proc.exited
          },
        },
      }
    await Bun.sleep(20)
  }
  proc.kill()
  return { skipped: name, reason: `no answer on /health within 30 s: ${lastLine(err)}` }
}

export async function startExpress(sqlite: BenchServer): Promise<PeerOutcome> {
  const name = 'Express 5 + better-sqlite3'
  const node = Bun.which('node')
  if (!node) return { skipped: name, reason: 'node not found' }
  const problem = await installExpress(node)
  if (problem) return { skipped: name, reason: problem }
  const versions = `express ${versionOf('express')}, better-sqlite3 ${versionOf('better-sqlite3')}, Node ${(await run([node, '--version'])).out}, one process`
  return launch(name, versions, [node, join(EXPRESS_DIR, 'server.mjs')], permissionsEnv(sqlite), freePort())
}

/** The Debian interpreter: apt's python3-* packages are installed for it alone. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : (Bun.which('python3') ?? undefined)

async function installFastApi(python: string): Promise<string | undefined> {
  const probe = [python, '-c', 'import fastapi, uvicorn']
  if ((await run(probe)).ok) return undefined
  const apt = Bun.which('apt-get')
  if (!apt) return 'fastapi/uvicorn not importable and no apt-get to install them'
  console.log(`installing the FastAPI peer: apt-get install -y ${DEBIAN_PACKAGES.join(' ')}`)
  const env = { DEBIAN_FRONTEND: 'noninteractive' }
  let installed = await run([apt, 'install', '-y', '-q', ...DEBIAN_PACKAGES], env)
  if (!installed.ok) {
    await run([apt, 'update', '-q'], env)
    installed = await run([apt, 'install', '-y', '-q', ...DEBIAN_PACKAGES], env)
  }
  if (!installed.ok) return `apt-get install failed: ${lastLine(installed.out)}`
  const loads = await run(probe)
  return loads.ok ? undefined : `installed but does not import: ${lastLine(loads.out)}`
}

/**
 * The product's FTS5 table is declared with contentless_delete (SQLite 3.43+);
 * Debian 12's libsqlite3 is 3.40 and cannot open it. Python's sqlite3 module
 * then runs on a libsqlite3.so.0 built from the amalgamation better-sqlite3
 * ships (LD_LIBRARY_PATH), which needs gcc and the Express peer's install.
 */
async function sqliteFor(python: string): Promise<{ env: Record<string, string>; version: string } | string> {
  const version = async (env: Record<string, string> = {}) =>
    (await run([python, '-c', 'import sqlite3; print(sqlite3.sqlite_version)'], env)).out
  const newEnough = (v: string) => {
    const [major = 0, minor = 0] = v.split('.').map(Number)
    return major > 3 || (major === 3 && minor >= 43)
  }
  const system = await version()
  if (newEnough(system)) return { env: {}, version: system }
  const library = join(SQLITE_DIR, 'libsqlite3.so.0')
  if (!existsSync(library)) {
    const source = join(EXPRESS_DIR, 'node_modules', 'better-sqlite3', 'deps', 'sqlite3', 'sqlite3.c')
    if (!existsSync(source))
      return `Python's SQLite ${system} predates contentless_delete (3.43) and better-sqlite3's amalgamation is not installed`
    const gcc = Bun.which('gcc') ?? Bun.which('cc')
    if (!gcc) return `Python's SQLite ${system} predates contentless_delete (3.43) and no C compiler to build a newer one`
    mkdirSync(SQLITE_DIR, { recursive: true })
    console.log(`building libsqlite3 for the FastAPI peer (Python's SQLite is ${system}; the product's FTS5 table needs 3.43+)`)
    const built = await run([
      gcc,
      '-O2',
      '-shared',
      '-fPIC',
      '-DSQLITE_ENABLE_FTS5',
      '-DSQLITE_DEFAULT_MEMSTATUS=0',
      '-DSQLITE_DQS=0',
      '-DSQLITE_OMIT_DEPRECATED',
      '-o',
      library,
      source,
      '-lpthread',
      '-lm',
    ])
    if (!built.ok) return `building libsqlite3 failed: ${lastLine(built.out)}`
  }
  const env = { LD_LIBRARY_PATH: SQLITE_DIR }
  const bundled = await version(env)
  return newEnough(bundled) ? { env, version: bundled } : `libsqlite3 built but Python still loads SQLite ${bundled}`
}

export async function startFastApi(sqlite: BenchServer): Promise<PeerOutcome> {
  const name = 'FastAPI + uvicorn'
  if (!PYTHON) return { skipped: name, reason: 'python3 not found' }
  const problem = await installFastApi(PYTHON)
  if (problem) return { skipped: name, reason: problem }
  const database = await sqliteFor(PYTHON)
  if (typeof database === 'string') return { skipped: name, reason: database }
  const versions = (
    await run([
      PYTHON,
      '-c',
      'import sys, fastapi, uvicorn, pydantic, uvloop, httptools; print(f"fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__} (uvloop {uvloop.__version__}, httptools {httptools.__version__}), pydantic {pydantic.VERSION}, Python {sys.version.split()[0]}")',
    ])
  ).out
  return launch(
    name,
    `${versions}, SQLite ${database.version}, 1 worker (one process, as the product and the Express peer run)`,
    [PYTHON, join(DIR, 'fastapi_app.py')],
    { ...permissionsEnv(sqlite), ...database.env },
    freePort(),
  )
}
