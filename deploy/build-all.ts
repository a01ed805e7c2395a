// Cross-compiles the single executable for every supported platform into dist/.
// The first build for a target downloads that target's Bun runtime once (into
// ~/.bun/install/cache), so it needs network access to Bun's release downloads.
// Usage: bun deploy/build-all.ts [target ...]   (default: all targets)
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '..')
const TARGETS: Record<string, string> = {
  'bun-linux-x64': 'dist/crm-api-linux-x64',
  'bun-linux-arm64': 'dist/crm-api-linux-arm64',
  'bun-windows-x64': 'dist/crm-api-windows-x64.exe',
  'bun-darwin-arm64': 'dist/crm-api-darwin-arm64',
}
// The same flags as `bun run build`; --bytecode is left out because bytecode is
// produced by the build machine's runtime, not the target's.
const FLAGS = ['--compile', '--minify', '--sourcemap=none', '--format=esm', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--asset', 'drizzle']

const wanted = process.argv.slice(2)
const targets = wanted.length ? wanted : Object.keys(TARGETS)
let failed = 0
for (const target of targets) {
  const outfile = TARGETS[target]
  if (!outfile) {
    console.error(`unknown target ${target}; one of ${Object.keys(TARGETS).join(', ')}`)
    process.exit(2)
  }
  const build = Bun.spawnSync([process.execPath, 'build', 'src/index.ts', ...FLAGS, `--target=${target}`, '--outfile', outfile], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
  if (build.exitCode === 0) console.log(`${target}: ${outfile}`)
  else {
    failed++
    console.error(`${target}: build failed (exit ${build.exitCode})`)
  }
}
process.exit(failed ? 1 : 0)
