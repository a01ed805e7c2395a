import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_PASSWORD, DIALECTS, freshDatabase, TEST_SECRET, type Dialect } from '../helpers/harness'
import { startServer, type RunningServer, loginOverHttp } from '../helpers/spawn'
import { runMigrations } from '../../src/db/migrate'
import { UserService } from '../../src/users/service'
import { fakeTwilio, twilioEnv } from '../communications/support'
import type { FakeTwilio } from '../fakes/twilio'

const SEND = '/api/v2/communications/sms/send'

/**
 * Two real server processes on one database: the limits hold across them
 * (PostgreSQL through advisory locks; a shared SQLite file through its write lock).
 */
for (const dialect of DIALECTS as Dialect[]) {
  describe(`SMS limits across two server processes [${dialect}]`, () => {
    let twilio: FakeTwilio
    let servers: RunningServer[] = []
    let drop: () => Promise<void>
    let tokens: string[] = []
    let url: string
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-mp-'))

    beforeAll(async () => {
      twilio = fakeTwilio()
      const fresh = await freshDatabase(dialect)
      url = fresh.url
      drop = fresh.drop
      await runMigrations(fresh.database)
      const users = new UserService(fresh.database)
      const emails = ['mp-a@example.com', 'mp-b@example.com', 'mp-c@example.com']
      for (const email of emails) await users.create({ email, password: DEFAULT_PASSWORD, role: 'user' })
      // SQLite: this process lets go of the file, so only the two servers share it.
      if (dialect === 'sqlite') await fresh.database.close()
      const env = {
        DATABASE_URL: url,
        SECRET_KEY: TEST_SECRET,
        LOG_LEVEL: 'warn',
        ...twilioEnv(twilio),
        RATE_LIMIT_SMS_PER_MINUTE: '10',
        RATE_LIMIT_SMS_PER_HOUR: '100',
        RATE_LIMIT_SMS_PER_DESTINATION_HOUR: '7',
      }
      servers = await Promise.all([startServer({ env, timeoutMs: 30_000 }), startServer({ env, timeoutMs: 30_000 })])
      tokens = []
      for (const [i, email] of emails.entries()) {
        tokens.push(await loginOverHttp(servers[i % 2]!.url, email, DEFAULT_PASSWORD))
      }
    }, 60_000)

    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()))
      await twilio.close()
      if (dialect === 'sqlite') rmSync(join(url.slice('sqlite:'.length), '..'), { recursive: true, force: true })
      else await drop()
      rmSync(dataDir, { recursive: true, force: true })
    })

    const send = (server: RunningServer, token: string, to: string) =>
      fetch(`${server.url}${SEND}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ to, body: 'hello from a replica' }),
      })

    test('one user, 40 concurrent sends spread over both processes: exactly 10 accepted', async () => {
      twilio.reset()
      const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => send(servers[i % 2]!, tokens[0]!, `+1415555${6000 + i}`)))
      const statuses = responses.map((r) => r.status)
      expect(statuses.filter((s) => s === 201)).toHaveLength(10)
      expect(statuses.filter((s) => s === 429)).toHaveLength(30)
      expect(twilio.requests).toHaveLength(10)
      // Both processes answered some of them.
      const limited = await Promise.all(responses.filter((r) => r.status === 429).map((r) => r.json() as Promise<{ detail: string }>))
      for (const body of limited) expect(body.detail).toMatch(/^Rate limit exceeded: Per-minute limit \(10\/min\)\. Retry after \d+ seconds\.$/)
    }, 30_000)

    test('two users on two processes, one number: exactly the destination limit', async () => {
      twilio.reset()
      // Two users who have not sent yet (10 a minute each), on both processes; the number allows 7 an hour across everyone.
      const responses = await Promise.all(Array.from({ length: 16 }, (_, i) => send(servers[i % 2]!, tokens[1 + ((i >> 1) % 2)]!, '+14155556999')))
      expect(responses.filter((r) => r.status === 201)).toHaveLength(7)
      expect(twilio.requests).toHaveLength(7)
      const limited = await Promise.all(responses.filter((r) => r.status === 429).map((r) => r.json() as Promise<{ detail: string }>))
      for (const body of limited) expect(body.detail).toMatch(/^Rate limit exceeded: Per-destination limit \(7\/hour to same number\)\. Retry after \d+ seconds\.$/)
    }, 30_000)
  })
}
