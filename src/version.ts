import { dirname, join } from 'node:path'
import pkg from '../package.json' with { type: 'json' }

/** Set by `bun build --define BUILD_COMMIT='"…"'` (package.json build scripts); absent when run from source. */
declare const BUILD_COMMIT: string | undefined

export const VERSION: string = pkg.version

/** True inside the `bun build --compile` executable, whose modules live in Bun's embedded file system. */
export const COMPILED = import.meta.url.includes('$bunfs') || import.meta.url.includes('~BUN')

let commit: string | undefined

/** The git commit the code was built from: embedded at build time, else asked of git in a checkout, else `unknown`. */
export function buildCommit(): string {
  if (commit !== undefined) return commit
  if (typeof BUILD_COMMIT === 'string' && BUILD_COMMIT !== '') {
    commit = BUILD_COMMIT
    return commit
  }
  commit = 'unknown'
  if (!COMPILED) {
    try {
      const result = Bun.spawnSync(['git', 'rev-parse', '--short=12', 'HEAD'], {
        cwd: join(dirname(import.meta.dir)),
        stdout: 'pipe',
        stderr: 'ignore',
      })
      const out = result.stdout.toString().trim()
      if (result.exitCode === 0 && /^[0-9a-f]{7,40}$/.test(out)) commit = out
    } catch {
      // No git on this machine: the version alone identifies the build.
    }
  }
  return commit
}

/** `1.1.0 (commit 0123456789ab)`: what --version prints and the start-up banner shows. */
export function versionLine(): string {
  return `${VERSION} (commit ${buildCommit()})`
}
