import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BINARY, ROOT, serverCommand, startServer } from '../helpers/spawn'
import { TEST_SECRET } from '../helpers/harness'

beforeAll(() => {
  if (!existsSync(BINARY)) {
    const build = Bun.spawnSync(['bun', 'run', 'build'], { cwd: ROOT, stdout: 'ignore', stderr: 'pipe' })
    if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`)
  }
})

describe.each(['source', 'binary'] as const)('a second server on a busy port (%s)', (kind) => {
  // With SO_REUSEPORT both would listen and the kernel would split requests
  // between two processes (and, with different DATA_DIRs, two databases).
  test('exits 1 with one line naming the port, touching nothing; the first keeps serving', async () => {
    const first = await startServer({ kind, env: { SECRET_KEY: TEST_SECRET } })
    const otherDir = mkdtempSync(join(tmpdir(), 'crm-second-'))
    try {
      const second = Bun.spawnSync(serverCommand(kind), {
        cwd: otherDir,
        env: {
          PATH: process.env.PATH!,
          HOST: '127.0.0.1',
          PORT: String(first.port),
          DATA_DIR: join(otherDir, 'data'),
          SECRET_KEY: TEST_SECRET,
        },
        timeout: 20_000,
      })
      expect(second.exitCode).toBe(1)
      expect(second.stderr.toString()).toBe(`crm-api: port ${first.port} is already in use\n`)
      expect(second.stdout.toString()).toBe('')
      // Its data directory was never created: it stopped before migrations.
      expect(readdirSync(otherDir)).toEqual([])
      expect((await fetch(`${first.url}/health`)).status).toBe(200)
    } finally {
      rmSync(otherDir, { recursive: true, force: true })
      expect(await first.stop()).toBe(0)
    }
  }, 40_000)
})
