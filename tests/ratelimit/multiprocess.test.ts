import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS, errorBody } from '../helpers/harness'
import type { RunningServer } from '../helpers/spawn'
import { startReplicas, type Replicas } from '../helpers/replicas'
import type { FakeTwilio } from '../../testkit/fakes/twilio'
import { fakeTwilio, twilioEnv } from '../../testkit/twilio'

const SEND = '/api/v2/communications/sms/send'

/**
 * Two real server processes on one database: the limits hold across them
 * (PostgreSQL through advisory locks; a shared SQLite file through its write lock).
 */
for (const dialect of DIALECTS) {
  describe(`SMS limits across two server processes [${dialect}]`, () => {
    let twilio: FakeTwilio
    let replicas: Replicas
    let servers: RunningServer[] = []
    let tokens: string[] = []

    beforeAll(async () => {
      twilio = fakeTwilio()
      replicas = await startReplicas(dialect, {
        emails: ['mp-a@example.com', 'mp-b@example.com', 'mp-c@example.com'],
        env: {
          ...twilioEnv(twilio),
          RATE_LIMIT_SMS_PER_MINUTE: '10',
          RATE_LIMIT_SMS_PER_HOUR: '100',
          RATE_LIMIT_SMS_PER_DESTINATION_HOUR: '7',
        },
      })
      ;({ servers, tokens } = replicas)
    }, 60_000)

    afterAll(async () => {
      await replicas.close()
      await twilio.close()
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
      const limited = await Promise.all(responses.filter((r) => r.status === 429).map(errorBody))
      for (const body of limited)
        expect(body.detail).toMatch(/^Rate limit exceeded: Per-minute limit \(10\/min\)\. Retry after \d+ seconds\.$/)
    }, 30_000)

    test('two users on two processes, one number: exactly the destination limit', async () => {
      twilio.reset()
      // Two users who have not sent yet (10 a minute each), on both processes; the number allows 7 an hour across everyone.
      const responses = await Promise.all(
        Array.from({ length: 16 }, (_, i) => send(servers[i % 2]!, tokens[1 + ((i >> 1) % 2)]!, '+14155556999')),
      )
      expect(responses.filter((r) => r.status === 201)).toHaveLength(7)
      expect(twilio.requests).toHaveLength(7)
      const limited = await Promise.all(responses.filter((r) => r.status === 429).map(errorBody))
      for (const body of limited)
        expect(body.detail).toMatch(/^Rate limit exceeded: Per-destination limit \(7\/hour to same number\)\. Retry after \d+ seconds\.$/)
    }, 30_000)
  })
}
