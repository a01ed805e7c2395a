// Builds the single executable: `bun deploy/build.ts` (= `npm run build`) writes
// dist/crm-api for this machine. build-all.ts reuses buildExecutable for the
// release targets.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dir, '..')

/**
 * No --minify: Elysia reads handler source text (Sucrose) and prints
 * "[Sucrose] warning" lines on minified code, breaking the one-JSON-object-per-line
 * log. --bytecode keeps cold start low (it needs --format=esm for top-level await).
 * --splitting puts what is imported on first use (nodemailer, the OpenAPI
 * document) in chunks of their own, so a start neither loads them nor the
 * built-in modules they import. The JIT policy keeps run-once start-up code in
 * the interpreter (serve restores the normal policy shortly after it listens,
 * once the start-up code is dropped: src/idle-memory.ts): a start costs less
 * CPU and memory.
 */
const FLAGS = [
  '--compile',
  '--sourcemap=none',
  '--format=esm',
  '--splitting',
  '--compile-jit-policy=100',
  '--no-compile-autoload-dotenv',
  '--no-compile-autoload-bunfig',
  '--asset',
  'drizzle',
]

/** The commit the build is made from: BUILD_COMMIT when given (container builds have no .git), else git's answer, else `unknown`. */
function gitCommit(): string {
  const given = process.env.BUILD_COMMIT?.trim()
  if (given && given !== 'unknown') return given
  const result = Bun.spawnSync(['git', 'rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, stdout: 'pipe', stderr: 'ignore' })
  const commit = result.stdout.toString().trim()
  return result.exitCode === 0 && commit ? commit : 'unknown'
}

function compile(outfile: string, extra: string[]): boolean {
  // The password strength estimator runs in a worker: its module is a second entry point.
  const args = [
    process.execPath,
    'build',
    'src/index.ts',
    'src/auth/password-strength.worker.ts',
    ...FLAGS,
    '--define',
    `BUILD_COMMIT=${JSON.stringify(gitCommit())}`,
    '--outfile',
    outfile,
    ...extra,
  ]
  return Bun.spawnSync(args, { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' }).exitCode === 0
}

/**
 * Runs the fresh executable once as a server on an empty data directory until
 * /health answers, with Bun recording which functions it ran. Building again
 * with that record lays their bytecode out together, so a start reads fewer
 * pages of the executable. Undefined when the start failed: the build then
 * simply has no layout.
 */
async function recordStart(executable: string, dir: string): Promise<string | undefined> {
  const order = join(dir, 'start.order')
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = probe.port
  probe.stop(true)
  const server = Bun.spawn([executable], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'silent',
      BUN_BYTECODE_ORDER_OUT: order,
    },
    stdout: 'ignore',
    stderr: 'ignore',
  })
  let answered = false
  for (let i = 0; i < 1500 && server.exitCode === null && !answered; i++) {
    answered = (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200
    if (!answered) await Bun.sleep(10)
  }
  server.kill('SIGTERM')
  await server.exited
  return answered && (await Bun.file(order).exists()) ? order : undefined
}

/** Runs `bun build --compile`; bytecode (laid out by a recorded start) only for this machine's own runtime. */
export async function buildExecutable(outfile: string, options: { target?: string } = {}): Promise<boolean> {
  if (options.target) return compile(outfile, [`--target=${options.target}`])
  if (!compile(outfile, ['--bytecode'])) return false
  const dir = mkdtempSync(join(tmpdir(), 'crm-build-'))
  try {
    const order = await recordStart(resolve(ROOT, outfile), dir)
    if (!order) {
      console.warn('build: the executable did not start; it is kept without a bytecode layout')
      return true
    }
    return compile(outfile, ['--bytecode', `--bytecode-order=${order}`])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) process.exit((await buildExecutable('dist/crm-api')) ? 0 : 1)
