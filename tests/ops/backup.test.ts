import { describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serverCommand, startServer, loginOverHttp } from '../helpers/spawn'
import { bodyAs, TEST_SECRET, type Api } from '../helpers/harness'

const ADMIN_EMAIL = 'backup-admin@example.com'
const ADMIN_PASSWORD = 'tidal basin orchid'

function cli(args: string[], env: Record<string, string>) {
  const result = Bun.spawnSync(serverCommand('source', args), { env: { PATH: process.env.PATH!, ...env }, stdout: 'pipe', stderr: 'pipe' })
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() }
}

async function cliAsync(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn(serverCommand('source', args), { env: { PATH: process.env.PATH!, ...env }, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { code, stdout, stderr }
}

describe('crm-api backup', () => {
  test('copies a live database with writes in flight; the copy is intact and restores', async () => {
    const server = await startServer({ env: { SECRET_KEY: TEST_SECRET, ADMIN_EMAIL, ADMIN_PASSWORD } })
    const backups = mkdtempSync(join(tmpdir(), 'crm-backup-'))
    const copyPath = join(backups, 'crm-copy.db')
    try {
      const token = await loginOverHttp(server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
      let created = 0
      let writing = true
      const writer = (async () => {
        while (writing) {
          const response = await fetch(`${server.url}/api/v2/customers/`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ first_name: 'Backup', last_name: `Customer ${created}` }),
          })
          expect(response.status).toBe(201)
          created++
        }
      })()
      // A few writes before, more during the copy.
      while (created < 20) await Bun.sleep(10)
      const result = await cliAsync(['backup', copyPath], { DATA_DIR: server.dataDir, SECRET_KEY: TEST_SECRET })
      const createdAfterBackup = created
      writing = false
      await writer
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('integrity ok')
      expect(existsSync(copyPath)).toBe(true)
      expect(existsSync(`${copyPath}-wal`)).toBe(false)
      expect(statSync(copyPath).mode & 0o777).toBe(0o600)

      const copy = new Database(copyPath, { readonly: true })
      const integrity = copy.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]
      expect(integrity).toEqual([{ integrity_check: 'ok' }])
      const customers = (copy.prepare('SELECT count(*) AS n FROM customers').get() as { n: number }).n
      const users = (copy.prepare('SELECT count(*) AS n FROM api_users').get() as { n: number }).n
      copy.close()
      expect(customers).toBeGreaterThanOrEqual(20)
      expect(customers).toBeLessThanOrEqual(createdAfterBackup)
      expect(users).toBe(1)

      // Refuses to overwrite.
      const again = cli(['backup', copyPath], { DATA_DIR: server.dataDir })
      expect(again.code).not.toBe(0)
      expect(again.stderr.trim().split('\n')).toHaveLength(1)
      expect(again.stderr).toContain('already exists')

      // Restore: the copy becomes crm.db of a new data directory.
      const restoredDir = mkdtempSync(join(tmpdir(), 'crm-restored-'))
      renameSync(copyPath, join(restoredDir, 'crm.db'))
      const restored = await startServer({ dataDir: restoredDir, env: { SECRET_KEY: TEST_SECRET } })
      try {
        const restoredToken = await loginOverHttp(restored.url, ADMIN_EMAIL, ADMIN_PASSWORD)
        const list = await fetch(`${restored.url}/api/v2/customers/?page_size=1`, { headers: { authorization: `Bearer ${restoredToken}` } })
        expect((await bodyAs<Api['customers']['get']>(list)).total).toBe(customers)
      } finally {
        expect(await restored.stop()).toBe(0)
        rmSync(restoredDir, { recursive: true, force: true })
      }
    } finally {
      expect(await server.stop()).toBe(0)
      rmSync(backups, { recursive: true, force: true })
    }
  }, 60_000)

  test('clear one-line errors: no PATH, no database, PostgreSQL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-backup-err-'))
    try {
      const usage = cli(['backup'], { DATA_DIR: dir })
      expect(usage.code).not.toBe(0)
      expect(usage.stderr).toContain('usage: crm-api backup PATH')

      const missing = cli(['backup', join(dir, 'out.db')], { DATA_DIR: join(dir, 'empty') })
      expect(missing.code).not.toBe(0)
      expect(missing.stderr).toContain('no database at')
      expect(existsSync(join(dir, 'empty', 'crm.db'))).toBe(false)

      const pg = cli(['backup', join(dir, 'out.db')], { DATA_DIR: dir, DATABASE_URL: 'postgres://user@127.0.0.1:1/crm' })
      expect(pg.code).not.toBe(0)
      expect(pg.stderr).toContain('pg_dump')
      for (const result of [usage, missing, pg]) {
        expect(result.stderr.trim().split('\n')).toHaveLength(1)
        expect(result.stderr).not.toMatch(/\bat .*:\d+:\d+/)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
