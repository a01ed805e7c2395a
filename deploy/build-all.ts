// `npm run release`: cross-compiles the executable for every supported platform
// into dist/release/, named crm-api-<version>-<target>, plus SHA256SUMS.
// A target's Bun runtime comes from Bun's cache (~/.bun/install/cache), filled
// from the network on its first build; see docs/operations.md "Releases".
// Usage: bun deploy/build-all.ts [target ...]   (default: all targets)
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import pkg from '../package.json' with { type: 'json' }
import { ROOT, buildExecutable } from './build'

const TARGETS: Record<string, string> = {
  'bun-linux-x64': 'linux-x64',
  'bun-linux-arm64': 'linux-arm64',
  'bun-windows-x64': 'windows-x64.exe',
  'bun-darwin-arm64': 'darwin-arm64',
}
// RELEASE_DIR redirects the output (the tests build into a temporary folder).
const OUT = process.env.RELEASE_DIR ? resolve(process.env.RELEASE_DIR) : join(ROOT, 'dist', 'release')

const wanted = process.argv.slice(2)
const targets = wanted.length ? wanted : Object.keys(TARGETS)
for (const target of targets) {
  if (!TARGETS[target]) {
    console.error(`unknown target ${target}; one of ${Object.keys(TARGETS).join(', ')}`)
    process.exit(2)
  }
}
// A fresh folder: SHA256SUMS never lists a file left over from an earlier release.
rmSync(OUT, { recursive: true, force: true })
mkdirSync(OUT, { recursive: true })
const sums: string[] = []
let failed = 0
for (const target of targets) {
  const name = `crm-api-${pkg.version}-${TARGETS[target]}`
  if (await buildExecutable(join(OUT, name), { target })) {
    sums.push(
      `${createHash('sha256')
        .update(readFileSync(join(OUT, name)))
        .digest('hex')}  ${name}`,
    )
    console.log(`${target}: ${join(OUT, name)}`)
  } else {
    failed++
    console.error(`${target}: build failed (its Bun runtime could not be found or downloaded)`)
  }
}
writeFileSync(join(OUT, 'SHA256SUMS'), sums.join('\n') + (sums.length ? '\n' : ''))
process.exit(failed ? 1 : 0)
