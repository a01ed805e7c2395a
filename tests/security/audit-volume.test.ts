import { describe, expect, test } from 'bun:test'
import { Database as SqliteHandle } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { and, count, eq } from 'drizzle-orm'
import { describeEachDialect, expectBody, TEST_SECRET, useTestApp } from '../helpers/harness'
import { startServer } from '../helpers/spawn'
import { loadConfig, ConfigError } from '../../src/config'
import { openSqlite } from '../../src/db/client'
import { runMigrations } from '../../src/db/migrate'
import { pruneAuditLog } from '../../src/audit/retention'
import { INCOMING, STATUS, communicationCount, inboundPairs, postSigned } from '../webhooks/signing'
import { login } from './support'
import { AUTH_TOKEN, formBody, sign, type Pairs } from '../../testkit/twilio'

const DAY = 24 * 60 * 60 * 1000

/** Coalescing is per clock minute: start a burst only when it can finish inside the current one. */
async function sameMinuteFor(budgetMs: number) {
  const left = 60_000 - (Date.now() % 60_000)
  if (left < budgetMs) await Bun.sleep(left + 20)
}

describeEachDialect('anonymous events cannot flood the audit log', (dialect) => {
  const testApp = useTestApp(dialect, {
    env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '2' },
    roles: ['admin'],
    timeout: 30_000,
  })
  const { admin } = testApp.users

  const from = (ip: string) => ({ 'x-forwarded-for': ip })

  async function audit(action: string) {
    return expectBody(await testApp.client(admin).api.v2.admin.audit.get({ query: { action, page_size: 200 } }), 200).items
  }

  async function rowsOf(action: string): Promise<number> {
    const { auditLog } = testApp.database.tables
    const [row] = await testApp.database.db.select({ value: count() }).from(auditLog).where(eq(auditLog.action, action))
    return row!.value
  }

  test('a loop of bad signatures from one IP is one row per reason with a count; other IPs get their own', async () => {
    await sameMinuteFor(10_000)
    for (let i = 0; i < 40; i++) {
      const response = await postSigned(testApp, INCOMING, inboundPairs(), { signature: 'Zm9yZ2Vk', headers: from('203.0.113.7') })
      expect(response.status).toBe(403)
    }
    // Simultaneous ones join the same row instead of racing to create their own.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        postSigned(testApp, INCOMING, inboundPairs(), { signature: 'Zm9yZ2Vk', headers: from('203.0.113.7') }),
      ),
    )
    for (let i = 0; i < 5; i++) await postSigned(testApp, INCOMING, inboundPairs(), { signature: null, headers: from('203.0.113.7') })
    for (let i = 0; i < 3; i++) await postSigned(testApp, STATUS, [], { signature: 'Zm9yZ2Vk', headers: from('198.51.100.9') })

    const items = await audit('webhook.signature_failed')
    const summary = items.map((i) => [i.ip, i.target, i.details.reason, i.count]).sort()
    expect(summary).toEqual([
      ['198.51.100.9', STATUS, 'invalid', 3],
      ['203.0.113.7', INCOMING, 'invalid', 60],
      ['203.0.113.7', INCOMING, 'missing', 5],
    ])
    expect(await rowsOf('webhook.signature_failed')).toBe(3)
  }, 30_000)

  test('a flood of bad signatures writes one warning per IP, path and reason a minute; the metric and the audit row count every one', async () => {
    await sameMinuteFor(10_000)
    const ip = '203.0.113.50'
    const failures = async () =>
      Number(/crm_webhook_signature_failures_total\{reason="invalid"\} (\d+)/.exec(await testApp.ctx.metrics.render())?.[1] ?? 0)
    const before = await failures()
    const firstLine = testApp.logs.lines.length
    const forged = () => postSigned(testApp, INCOMING, inboundPairs(), { signature: 'Zm9yZ2Vk', headers: from(ip) })
    for (const response of await Promise.all(Array.from({ length: 30 }, forged))) expect(response.status).toBe(403)
    for (let i = 0; i < 10; i++) expect((await forged()).status).toBe(403)
    expect((await forged()).status).toBe(403)
    const warnings = testApp.logs.lines
      .slice(firstLine)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.level === 'warn' && entry.ip === ip)
    expect(warnings).toHaveLength(1)
    expect(await failures()).toBe(before + 41)
    const rows = (await audit('webhook.signature_failed')).filter((item) => item.ip === ip)
    expect(rows.map((item) => item.count)).toEqual([41])
  }, 30_000)

  test('throttled logins: one row per IP and scope with a count', async () => {
    const email = 'victim-throttle@example.com'
    await sameMinuteFor(20_000)
    for (let i = 0; i < 2; i++) expect((await login(testApp, email, 'wrong-password-123', from('192.0.2.44'))).status).toBe(401)
    for (let i = 0; i < 25; i++) expect((await login(testApp, email, 'wrong-password-123', from('192.0.2.44'))).status).toBe(429)
    const items = await audit('login.throttled')
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({ ip: '192.0.2.44', actor_email: email, details: { scope: 'account' }, count: 25 })
  }, 60_000)

  test('events with a user keep one row each (count 1)', async () => {
    for (let i = 0; i < 3; i++) expect((await login(testApp, admin.email, admin.password)).status).toBe(200)
    const items = await audit('login.success')
    expect(items.length).toBeGreaterThanOrEqual(3)
    expect(items.every((i) => i.count === 1)).toBe(true)
  }, 30_000)

  describe('webhook bodies are bounded before the signature is computed', () => {
    const before = async () => ({ messages: await communicationCount(testApp), rejected: await rowsOf('webhook.rejected') })

    test('over 64 KB with a Content-Length: 413 JSON, unread', async () => {
      const start = await before()
      const body = formBody([...inboundPairs(), ['Body', 'x'.repeat(64 * 1024)]])
      const response = await postSigned(testApp, INCOMING, [], {
        body,
        headers: { 'content-length': String(body.length), ...from('203.0.113.8') },
      })
      expect(response.status).toBe(413)
      expect(await response.json()).toEqual({ detail: 'Request body too large' })
      expect(await communicationCount(testApp)).toBe(start.messages)
    })

    test('over 64 KB without a Content-Length (chunked): 413', async () => {
      const pairs: Pairs = [...inboundPairs(), ['Padding', 'x'.repeat(70 * 1024)]]
      const response = await testApp.app.handle(
        new Request(`http://localhost${INCOMING}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': sign(`http://localhost${INCOMING}`, pairs),
          },
          body: new Blob([formBody(pairs)]).stream(),
        }),
      )
      expect(response.status).toBe(413)
      expect(await response.json()).toEqual({ detail: 'Request body too large' })
    })

    test('a correctly signed form just under 64 KB is stored', async () => {
      const pairs: Pairs = [...inboundPairs({ Body: 'hello' }), ['Padding', 'x'.repeat(60 * 1024)]]
      const response = await postSigned(testApp, INCOMING, pairs)
      expect(response.status).toBe(200)
    })

    test('more than 200 parameters: 400 even when correctly signed; nothing stored', async () => {
      const start = await before()
      const pairs: Pairs = [...inboundPairs(), ...Array.from({ length: 200 }, (_, i): [string, string] => [`X${i}`, '1'])]
      const response = await postSigned(testApp, INCOMING, pairs, { headers: from('203.0.113.9') })
      expect(response.status).toBe(400)
      expect(await response.json()).toEqual({ detail: 'Too many form fields' })
      expect(await communicationCount(testApp)).toBe(start.messages)
      const ok = await postSigned(testApp, INCOMING, [
        ...inboundPairs(),
        ...Array.from({ length: 150 }, (_, i): [string, string] => [`X${i}`, '1']),
      ])
      expect(ok.status).toBe(200)
    })

    test('a 0.9 MB form of 100k parameters is refused by size', async () => {
      const body = Array.from({ length: 100_000 }, (_, i) => `p${i}=1`).join('&')
      expect(body.length).toBeGreaterThan(800_000)
      const response = await postSigned(testApp, INCOMING, [], { body, headers: { 'content-length': String(body.length) } })
      expect(response.status).toBe(413)
    })

    test('the refusals are audited, coalesced like signature failures', async () => {
      await sameMinuteFor(5_000)
      for (let i = 0; i < 4; i++) {
        const pairs: Pairs = Array.from({ length: 250 }, (_, k): [string, string] => [`X${k}`, '1'])
        expect((await postSigned(testApp, INCOMING, pairs, { headers: from('203.0.113.10') })).status).toBe(400)
      }
      const items = (await audit('webhook.rejected')).filter((i) => i.ip === '203.0.113.10')
      expect(items).toEqual([expect.objectContaining({ target: INCOMING, details: { reason: 'too_many_fields' }, count: 4 })])
    }, 30_000)
  })

  test('pruning deletes rows older than the retention, in batches, and keeps the rest', async () => {
    const { auditLog } = testApp.database.tables
    const now = Date.now()
    const old = Array.from({ length: 5_500 }, () => ({ action: 'login.failure', ip: '192.0.2.200', createdAt: new Date(now - 400 * DAY) }))
    for (let i = 0; i < old.length; i += 500) await testApp.database.db.insert(auditLog).values(old.slice(i, i + 500))
    await testApp.database.db.insert(auditLog).values({ action: 'login.failure', ip: '192.0.2.201', createdAt: new Date(now - 30 * DAY) })
    const byIp = async (ip: string) =>
      (
        await testApp.database.db
          .select({ value: count() })
          .from(auditLog)
          .where(and(eq(auditLog.ip, ip)))
      )[0]!.value

    expect(await pruneAuditLog(testApp.database, 365)).toBe(5_500)
    expect(await byIp('192.0.2.200')).toBe(0)
    expect(await byIp('192.0.2.201')).toBe(1)
    expect(await pruneAuditLog(testApp.database, 29)).toBe(1)
    expect(await byIp('192.0.2.201')).toBe(0)
    // Recent rows (this test file's own: three from the loop, one from the flood) are untouched.
    expect(await rowsOf('webhook.signature_failed')).toBe(4)
  }, 60_000)
})

describe('AUDIT_RETENTION_DAYS', () => {
  const env = (value?: string) => ({
    DATA_DIR: tmpdir(),
    SECRET_KEY: TEST_SECRET,
    ...(value === undefined ? {} : { AUDIT_RETENTION_DAYS: value }),
  })

  test('defaults to 365; accepts whole days', () => {
    expect(loadConfig(env(), { ensureSecret: false }).auditRetentionDays).toBe(365)
    expect(loadConfig(env('30'), { ensureSecret: false }).auditRetentionDays).toBe(30)
  })

  test.each(['0', '-1', 'abc', '1.5', '99999'])('%p stops start-up naming the variable', (value) => {
    expect(() => loadConfig(env(value), { ensureSecret: false })).toThrow(ConfigError)
    expect(() => loadConfig(env(value), { ensureSecret: false })).toThrow(/AUDIT_RETENTION_DAYS/)
  })

  test('the server prunes at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-audit-'))
    try {
      const file = join(dir, 'crm.db')
      const database = openSqlite(file)
      await runMigrations(database)
      const { auditLog } = database.tables
      await database.db.insert(auditLog).values([
        { action: 'login.failure', ip: '192.0.2.1', createdAt: new Date(Date.now() - 40 * DAY) },
        { action: 'login.failure', ip: '192.0.2.2', createdAt: new Date(Date.now() - 2 * DAY) },
      ])
      await database.close()

      const server = await startServer({
        dataDir: dir,
        env: { DATABASE_URL: `sqlite:${file}`, SECRET_KEY: TEST_SECRET, AUDIT_RETENTION_DAYS: '30' },
      })
      try {
        const handle = new SqliteHandle(file, { readonly: true })
        const ips = () => (handle.query('SELECT ip FROM audit_log ORDER BY ip').all() as { ip: string }[]).map((r) => r.ip)
        for (let i = 0; i < 100 && ips().length !== 1; i++) await Bun.sleep(50)
        expect(ips()).toEqual(['192.0.2.2'])
        handle.close()
      } finally {
        expect(await server.stop()).toBe(0)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
