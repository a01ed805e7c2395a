// Builds the single executable: `bun deploy/build.ts` (= `npm run build`) writes
// dist/crm-api for this machine. build-all.ts reuses buildExecutable for the
// release targets.
import { resolve } from 'node:path'

export const ROOT = resolve(import.meta.dir, '..')

/**
 * No --minify: Elysia reads handler source text (Sucrose) and prints
 * "[Sucrose] warning" lines on minified code, breaking the one-JSON-object-per-line
 * log. --bytecode keeps cold start low (it needs --format=esm for top-level await).
 */
const FLAGS = [
  '--compile',
  '--sourcemap=none',
  '--format=esm',
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

/** Runs `bun build --compile`; bytecode only for this machine's own runtime. */
export function buildExecutable(outfile: string, options: { target?: string } = {}): boolean {
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
  ]
  if (options.target) args.push(`--target=${options.target}`)
  else args.push('--bytecode')
  return Bun.spawnSync(args, { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' }).exitCode === 0
}

if (import.meta.main) process.exit(buildExecutable('dist/crm-api') ? 0 : 1)
