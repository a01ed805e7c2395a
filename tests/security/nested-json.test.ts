import { describe, expect, test } from 'bun:test'
import { count } from 'drizzle-orm'
import { errorFields } from '../helpers/harness'
import { useSmsApp } from '../communications/support'
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../src/http/json-body'

const DEEP = 20_000
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

const LOGIN = '/api/v2/auth/login'
const CUSTOMERS = '/api/v2/customers'
const SEND = '/api/v2/communications/sms/send'

describe('deeply nested JSON', () => {
  const sms = useSmsApp('sqlite', {}, { roles: ['admin'], timeout: 30_000 })
  const { testApp } = sms
  const { admin: user } = testApp.users

  const post = (path: string, body: string, token?: string) =>
    testApp.request('POST', path, { body, token, headers: { 'content-type': 'application/json' } })

  // Each a ~40 KB body whose nested value sits in a field the route accepts.
  const attacks: [string, string, boolean][] = [
    ['login (string field)', `{"email":${nested(DEEP)},"password":"x"}`, false],
    ['customers (optional field)', `{"first_name":"Ada","last_name":"Lovelace","tags":${nested(DEEP)}}`, true],
    ['customers (string field)', `{"first_name":${nested(DEEP)},"last_name":"Lovelace"}`, true],
    ['SMS send', `{"to":"+14155550100","body":${nested(DEEP)}}`, true],
  ]
  const paths: Record<string, string> = { login: LOGIN, customers: CUSTOMERS, SMS: SEND }
  const pathOf = (name: string) => paths[name.split(' ')[0]!]!

  test.each(attacks)('%s: 400 "Malformed request body", nothing stored or sent', async (name, body, authenticated) => {
    const response = await post(pathOf(name), body, authenticated ? user.token : undefined)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ detail: 'Malformed request body' })
    const [customers] = await testApp.database.db.select({ value: count() }).from(testApp.database.tables.customers)
    expect(customers!.value).toBe(0)
    expect(sms.twilio.requests).toHaveLength(0)
  })

  // The bun test timeout is the only clock here (generous): before the bound, four of these held the event loop for tens of seconds.
  test('four at once do not hold up /health, which answers while they are refused', async () => {
    const health = testApp.request('GET', '/health')
    const refused = attacks.map(([name, body, authenticated]) => post(pathOf(name), body, authenticated ? user.token : undefined))
    const [healthAnswer, ...answers] = await Promise.all([health, ...refused])
    expect(healthAnswer!.status).toBe(200)
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400])
  }, 5_000)

  test(`${MAX_JSON_DEPTH} levels reach validation; one more is refused before it`, async () => {
    const withTags = (depth: number) => `{"first_name":"Ada","last_name":"Lovelace","tags":${nested(depth)}}`
    const atLimit = await post(CUSTOMERS, withTags(MAX_JSON_DEPTH - 1), user.token)
    expect(atLimit.status).toBe(422)
    expect((await errorFields(atLimit))[0]).toStartWith('tags')
    const over = await post(CUSTOMERS, withTags(MAX_JSON_DEPTH), user.token)
    expect(over.status).toBe(400)
    expect(await over.json()).toEqual({ detail: 'Malformed request body' })
  })

  test('brackets inside strings do not count', async () => {
    const response = await post(
      CUSTOMERS,
      JSON.stringify({ first_name: '[{'.repeat(5000), last_name: 'Lovelace', notes: '\\"[[[' }),
      user.token,
    )
    expect(response.status).toBe(422) // first_name is too long, and named
    expect((await errorFields(response))[0]).toBe('first_name')
    const ok = await post(CUSTOMERS, JSON.stringify({ first_name: '[[[', last_name: '"{{{', notes: `${'\\'.repeat(3)}[` }), user.token)
    expect(ok.status).toBe(201)
  })

  test('invalid and empty JSON keep their answers', async () => {
    const broken = await post(CUSTOMERS, '{"first_name":', user.token)
    expect(broken.status).toBe(400)
    expect(await broken.json()).toEqual({ detail: 'Malformed request body' })
    const empty = await post(CUSTOMERS, '', user.token)
    expect(empty.status).toBeLessThan(500)
    expect(empty.status).toBeGreaterThanOrEqual(400)
  })
})

describe('nestsDeeperThan', () => {
  test.each([
    ['[]', 1, false],
    ['[[]]', 1, true],
    ['{"a":{"b":[1]}}', 3, false],
    ['{"a":{"b":[1]}}', 2, true],
    ['["[[[[", "\\"[[["]', 1, false],
    ['"\\\\"[[', 1, true],
  ] as const)('%p within %p: %p', (text, max, expected) => {
    expect(nestsDeeperThan(text, max)).toBe(expected)
  })

  test(`${DEEP} levels exceed ${MAX_JSON_DEPTH}`, () => {
    expect(nestsDeeperThan(nested(DEEP), MAX_JSON_DEPTH)).toBe(true)
  })
})
