import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pkg from '../../package.json' with { type: 'json' }
import { ROOT } from '../helpers/spawn'

describe('npm run release', () => {
  // Only this machine's own target: the others need their Bun runtimes, which
  // are downloaded on first use (docs/operations.md, "Releases").
  test.skipIf(process.platform !== 'linux' || process.arch !== 'x64')(
    'writes executables named with version and target, and SHA256SUMS that verifies them',
    () => {
      const out = mkdtempSync(join(tmpdir(), 'crm-release-'))
      try {
        const build = Bun.spawnSync([process.execPath, 'deploy/build-all.ts', 'bun-linux-x64'], {
          cwd: ROOT,
          env: { ...process.env, RELEASE_DIR: out },
          stdout: 'pipe',
          stderr: 'pipe',
        })
        expect(build.exitCode).toBe(0)
        const name = `crm-api-${pkg.version}-linux-x64`
        expect(readdirSync(out).sort()).toEqual(['SHA256SUMS', name])
        const digest = createHash('sha256')
          .update(readFileSync(join(out, name)))
          .digest('hex')
        expect(readFileSync(join(out, 'SHA256SUMS'), 'utf8')).toBe(`${digest}  ${name}\n`)
        const version = Bun.spawnSync([join(out, name), '--version'])
          .stdout.toString()
          .trim()
        expect(version).toStartWith(`${pkg.version} (commit `)
      } finally {
        rmSync(out, { recursive: true, force: true })
      }
    },
    120_000,
  )

  test('an unknown target is refused before anything is built', () => {
    const result = Bun.spawnSync([process.execPath, 'deploy/build-all.ts', 'bun-amiga-m68k'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
    expect(result.exitCode).toBe(2)
    expect(result.stderr.toString()).toContain('unknown target bun-amiga-m68k')
  })
})
