import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS } from '../helpers/harness'
import {
  businessChecksum,
  fuzzAllRoutes,
  fuzzWorld,
  runCase,
  violation,
  type FuzzBody,
  type FuzzCase,
  type FuzzWorld,
} from '../../testkit/fuzz'

/** Fixed seeds: a failure reproduces; bench/fuzz.ts runs the same property with more runs and any seed. */
const SEED = 20_261_128
const RUNS = { sqlite: 2_000, postgres: 600 }

const HOSTILE_BODIES: FuzzBody[] = [
  { kind: 'text', text: '['.repeat(10_000) + ']'.repeat(10_000) },
  { kind: 'text', text: `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}` },
  {
    kind: 'text',
    text: '{"__proto__":{"role":"superuser"},"first_name":"P","last_name":"Q","to":"+14155551000","body":"x","subject":"s"}',
  },
  { kind: 'text', text: '{"constructor":{"prototype":{"isAdmin":true}},"first_name":"P","last_name":"Q"}' },
  { kind: 'text', text: `{"first_name":"${'x'.repeat(900_000)}","last_name":"y"}` },
  { kind: 'bytes', bytes: new Uint8Array([0x7b, 0x22, 0x66, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]) },
  { kind: 'json', value: { first_name: 1, last_name: [], email: {}, phone: true, tags: 'x', to: 5, body: null, subject: [], page: '1' } },
  { kind: 'json', value: null },
  { kind: 'text', text: '{"to":"+14155551000","body":"x","customer_id":1e309}' },
  { kind: 'text', text: '' },
]

for (const dialect of DIALECTS) {
  describe(`fuzzing every route [${dialect}]`, () => {
    let world: FuzzWorld

    beforeAll(async () => {
      world = await fuzzWorld(dialect)
    }, 60_000)
    afterAll(async () => {
      await world.close()
    })

    test('the route list is what the app serves (new routes are fuzzed automatically)', () => {
      expect(world.routes.length).toBeGreaterThanOrEqual(20)
      expect(world.routes.some((r) => r.path.startsWith('/webhooks/'))).toBe(true)
    })

    test('hostile bodies on every route, with every content type: no 5xx, JSON errors, no data change', async () => {
      const problems: string[] = []
      for (const [index, route] of world.routes.entries()) {
        for (const body of HOSTILE_BODIES) {
          for (const contentType of ['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'none']) {
            const c: FuzzCase = {
              route: index,
              id: '1',
              query: '',
              trailingSlash: false,
              body,
              contentType,
              auth: { kind: 'bearer', role: 'superuser' },
              headers: {},
              signWebhook: false,
            }
            const before = await businessChecksum(world.testApp)
            const outcome = await runCase(world, c)
            if (!outcome) continue
            const after = await businessChecksum(world.testApp)
            const problem = violation(outcome, before, after)
            if (problem) problems.push(`${route.method} ${route.path} [${contentType}]: ${problem.slice(0, 300)}`)
          }
        }
      }
      expect(problems).toEqual([])
    }, 120_000)

    test(`property: random requests to every route (seed ${SEED})`, async () => {
      const counts = await fuzzAllRoutes(world, { seed: SEED, numRuns: RUNS[dialect] })
      // The success paths ran too: some writes of each kind were accepted.
      const accepted = (prefix: string) =>
        [...counts].filter(([k]) => k.startsWith(prefix) && / 2\d\d$/.test(k)).reduce((n, [, v]) => n + v, 0)
      if (dialect === 'sqlite') {
        expect(accepted('POST /api/v2/customers')).toBeGreaterThan(0)
        expect(accepted('POST /api/v2/communications/sms/send')).toBeGreaterThan(0)
        expect(accepted('POST /api/v2/communications/email/send')).toBeGreaterThan(0)
        expect(accepted('POST /webhooks/twilio/incoming')).toBeGreaterThan(0)
      }
      // Every send that reached a fake provider succeeded there: nothing could excuse a 502.
      expect(world.twilio.requests.every((r) => r.sid !== undefined)).toBe(true)
    }, 240_000)
  })
}
