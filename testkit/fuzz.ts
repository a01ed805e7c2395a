/**
 * The fuzzing engine shared by tests/reliability/fuzz.test.ts (bounded, in CI)
 * and bench/fuzz.ts (larger runs by hand): every route in `app.routes` gets
 * random and adversarial requests, and each answer is checked against the
 * reliability invariants:
 *   - never a 5xx (Twilio and SMTP are local fakes that accept everything);
 *   - every non-2xx answer is JSON with a string `detail`, without stack traces;
 *   - a rejected request changes no business data;
 *   - every answer arrives within a time bound.
 */
import fc from 'fast-check'
import { count, max } from 'drizzle-orm'
import { createTestApp, type Dialect, type OwnedTestApp, type TestApp } from './app'
import { startFakeTwilio, type FakeTwilio } from './fakes/twilio'
import { startFakeSmtp, type FakeSmtp } from './fakes/smtp'
import { ACCOUNT_SID, AUTH_TOKEN, SENDER, sign } from './twilio'
import type { Role } from '../src/auth/permissions'

const ORIGIN = 'http://localhost:5173'
const RESPONSE_BOUND_MS = 2_000

export interface FuzzWorld {
  testApp: OwnedTestApp
  twilio: FakeTwilio
  smtp: FakeSmtp
  routes: { method: string; path: string }[]
  tokens: Record<Role, string>
  close(): Promise<void>
}

const ROLES: Role[] = ['user', 'admin', 'superuser']

/** An app whose outbound providers are local fakes, with limits out of the way so success paths run. */
export async function fuzzWorld(dialect: Dialect): Promise<FuzzWorld> {
  const twilio = startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN })
  const smtp = await startFakeSmtp()
  const testApp = await createTestApp(dialect, {
    env: {
      LOG_LEVEL: 'silent',
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_PHONE_NUMBER: SENDER,
      TWILIO_API_BASE_URL: twilio.url,
      TWILIO_TIMEOUT_MS: '5000',
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'crm@example.com',
      RATE_LIMIT_SMS_PER_MINUTE: '1000000',
      RATE_LIMIT_SMS_PER_HOUR: '1000000',
      RATE_LIMIT_SMS_PER_DESTINATION_HOUR: '1000000',
      LOGIN_MAX_FAILURES: '1000000',
      LOGIN_MAX_FAILURES_PER_IP: '1000000',
    },
  })
  const tokens = {} as Record<Role, string>
  for (const role of ROLES) tokens[role] = (await testApp.createUser(role)).token
  // A few customers so ids 1..5 exist for the path and customer_id generators.
  for (let i = 0; i < 5; i++) {
    await testApp.request('POST', '/api/v2/customers', {
      token: tokens.admin,
      json: { first_name: `Seed${i}`, last_name: 'Customer', phone: `+1415555${String(1000 + i)}`, email: `seed${i}@example.com` },
    })
  }
  const routes = testApp.app.routes.map((r) => ({ method: r.method, path: r.path }))
  return {
    testApp,
    twilio,
    smtp,
    routes,
    tokens,
    async close() {
      await testApp.close()
      await twilio.close()
      await smtp.close()
    },
  }
}

/** A cheap fingerprint of the business tables: counts and newest change. */
export async function businessChecksum(testApp: TestApp): Promise<string> {
  const { db, tables } = testApp.database
  const parts: unknown[] = []
  const [customers] = await db
    .select({ n: count(), id: max(tables.customers.id), u: max(tables.customers.updatedAt) })
    .from(tables.customers)
  const [comms] = await db
    .select({ n: count(), id: max(tables.communications.id), u: max(tables.communications.updatedAt) })
    .from(tables.communications)
  const [users] = await db.select({ n: count(), id: max(tables.users.id), u: max(tables.users.updatedAt) }).from(tables.users)
  const [optOuts] = await db.select({ n: count(), u: max(tables.smsOptOuts.updatedAt) }).from(tables.smsOptOuts)
  parts.push(customers, comms, users, optOuts)
  return JSON.stringify(parts, (_k, v) => (v instanceof Date ? v.getTime() : typeof v === 'bigint' ? String(v) : v))
}

// ---------- generators ----------

const junkNumber = fc.constantFrom(
  '-1',
  '0',
  '1',
  '2',
  '200',
  '201',
  '1e309',
  '1e3',
  'NaN',
  'Infinity',
  '-0',
  '0x10',
  '99999999999999999999',
  '1.5',
  ' 1',
  '',
  'abc',
  '[]',
  '{}',
  'null',
  'true',
  '%00',
  '١',
  '½',
)
const junkText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  // Any UTF-16 code unit: NUL and lone surrogates, which PostgreSQL cannot store as given.
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    "' OR 1=1 --",
    '%',
    '_',
    '\\',
    '%%',
    '"',
    '\u0000',
    '<script>',
    '../../etc/passwd',
    'a'.repeat(300),
    '\uD800',
    '𝕏'.repeat(20),
  ),
)

const queryValue = fc.oneof(junkNumber, junkText, fc.constantFrom('sms', 'email', 'inbound', 'outbound', 'SMS', 'in'))
const queryKey = fc.constantFrom(
  'page',
  'page_size',
  'search',
  'type',
  'direction',
  'customer_id',
  '__proto__',
  'constructor',
  'page[]',
  'x',
)

/** A query string, sometimes with repeated keys and raw (unencoded) junk. */
const queryString = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  {
    weight: 5,
    arbitrary: fc
      .array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 5 })
      .map((pairs) =>
        pairs.length === 0
          ? ''
          : `?${pairs.map(([k, v, raw]) => `${k}=${raw ? v.replace(/[#\s]/g, '') : encodeURIComponent(v.toWellFormed())}`).join('&')}`,
      ),
  },
  { weight: 1, arbitrary: fc.constantFrom('?', '?&&&', '?page', '?page=&page_size=', '?%zz=1', '?page=%ff', '?search=%E0%A4%A') },
)

const pathId = fc.oneof(
  fc.constantFrom(
    '1',
    '2',
    '3',
    '5',
    '0',
    '-1',
    '999999',
    '99999999999999999999',
    '1e309',
    'abc',
    '%2e%2e%2f',
    '..%2F..%2Fetc',
    '1.5',
    '%00',
    '%F0%9F%92%A9',
    'NaN',
    '0x1',
    ' 1',
    '%20',
    'swagger-ui.css',
    'redoc.standalone.js',
    'ü',
  ),
  fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s.toWellFormed())),
  fc.integer().map(String),
)

const phone = fc.oneof(
  fc.constantFrom(
    '+14155551000',
    '+14155551001',
    '(415) 555-0143',
    '+442071838750',
    '+33 1 42 68 53 00',
    '555',
    '+1',
    'not a phone',
    '',
    '+999999999999999',
    '+14155550100',
  ),
  fc.stringMatching(/^\+1415555\d{4}$/),
)
const emailAddress = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom('a@b', 'no-at', '', 'x@example.com\r\nBcc: evil@example.com', 'ü@exämple.com'),
)
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined })

/** Bodies close to valid, so the success paths (and their writes) run too. */
const customerBody = fc.record(
  {
    first_name: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), junkText),
    last_name: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), junkText),
    email: maybe(fc.option(emailAddress, { nil: null })),
    phone: maybe(fc.option(phone, { nil: null })),
    company: maybe(fc.option(junkText, { nil: null })),
    notes: maybe(fc.option(fc.string({ maxLength: 200 }), { nil: null })),
    tags: maybe(fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 })),
    sms_opt_out: maybe(fc.boolean()),
  },
  { requiredKeys: [] },
)
const smsBody = fc.record(
  {
    to: maybe(fc.option(phone, { nil: null })),
    customer_id: maybe(fc.oneof(fc.integer({ min: -2, max: 8 }), fc.constant(null))),
    body: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), junkText),
  },
  { requiredKeys: [] },
)
const emailBody = fc.record(
  {
    to: maybe(fc.option(emailAddress, { nil: null })),
    customer_id: maybe(fc.oneof(fc.integer({ min: -2, max: 8 }), fc.constant(null))),
    subject: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), junkText, fc.constant('line\r\nBcc: x@example.com')),
    body: fc.oneof(fc.string({ minLength: 1, maxLength: 200 }), junkText),
  },
  { requiredKeys: [] },
)
const userBody = fc.record(
  {
    email: emailAddress,
    password: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('correct horse battery')),
    full_name: junkText,
    role: fc.constantFrom('user', 'admin', 'superuser', 'root', '', 'ADMIN'),
    is_active: fc.oneof(fc.boolean(), fc.constant('false'), fc.constant(0)),
    current_password: fc.string({ maxLength: 20 }),
    new_password: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: [] },
)

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
}

/** Everything a client could put in a body, from valid-ish to hostile. */
export type FuzzBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }

const bodyArb: fc.Arbitrary<FuzzBody> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<FuzzBody>({ kind: 'none' }) },
  { weight: 4, arbitrary: fc.oneof(customerBody, smsBody, emailBody, userBody).map((value): FuzzBody => ({ kind: 'json', value })) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value): FuzzBody => ({ kind: 'json', value })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<FuzzBody>(
      { kind: 'text', text: nested(10_000, 'array') },
      { kind: 'text', text: nested(10_000, 'object') },
      { kind: 'text', text: '{"__proto__":{"role":"superuser","is_admin":true},"first_name":"P","last_name":"Q"}' },
      { kind: 'text', text: '{"constructor":{"prototype":{"role":"superuser"}},"first_name":"P","last_name":"Q"}' },
      { kind: 'text', text: '{"first_name":"A","first_name":"B","last_name":"C"}' },
      { kind: 'text', text: `{"first_name":"${'x'.repeat(200_000)}","last_name":"y"}` },
      { kind: 'text', text: `{"body":"${'é'.repeat(1_200_000)}","to":"+14155551000"}` },
      { kind: 'text', text: `{"to":"+14155551000","body":${'9'.repeat(400)}}` },
      { kind: 'text', text: '{"page":1e309}' },
      { kind: 'text', text: '{' },
      { kind: 'text', text: '' },
      { kind: 'text', text: 'null' },
      { kind: 'text', text: '[]' },
      { kind: 'text', text: '"string"' },
      { kind: 'text', text: 'first_name=A&last_name=B&__proto__[role]=superuser' },
      { kind: 'text', text: 'From=%2B14155551000&Body=STOP&MessageSid=SM1' },
      { kind: 'text', text: '\uFEFF{"first_name":"A","last_name":"B"}' },
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text): FuzzBody => ({ kind: 'text', text })) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom(
          new Uint8Array([0xc3, 0x28]),
          new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
          new Uint8Array([0xed, 0xa0, 0x80]),
        ),
      )
      .map((bytes): FuzzBody => ({ kind: 'bytes', bytes })),
  },
)

const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=----x',
  'text/plain',
  'text/xml',
  'application/octet-stream',
  '*/*',
  'garbage',
  'application/vnd.api+json',
  'none',
)

type AuthVariant =
  | { kind: 'none' }
  | { kind: 'garbage'; header: string }
  | { kind: 'bearer'; role: Role }
  | { kind: 'cookie'; role: Role; origin: string | null }
  | { kind: 'bearer+cookie'; role: Role }
  | { kind: 'garbage-cookie'; cookie: string }

const authArb: fc.Arbitrary<AuthVariant> = fc.oneof(
  fc.constant<AuthVariant>({ kind: 'none' }),
  fc
    .constantFrom(
      'Bearer',
      'Bearer ',
      'Bearer x.y.z',
      'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.',
      'Basic YTpi',
      'bearer  ',
      'Token abc',
      `Bearer ${'a'.repeat(10_000)}`,
      'Bearer \u00ff',
    )
    .map((header): AuthVariant => ({ kind: 'garbage', header })),
  fc.constantFrom<Role>(...ROLES).map((role): AuthVariant => ({ kind: 'bearer', role })),
  fc.constantFrom<Role>(...ROLES).map((role): AuthVariant => ({ kind: 'bearer', role })),
  fc
    .tuple(fc.constantFrom<Role>(...ROLES), fc.constantFrom(ORIGIN, 'http://localhost', 'https://evil.example', 'null', null))
    .map(([role, origin]): AuthVariant => ({ kind: 'cookie', role, origin })),
  fc.constantFrom<Role>(...ROLES).map((role): AuthVariant => ({ kind: 'bearer+cookie', role })),
  fc
    .constantFrom(
      'session=%E0%A4%A',
      'session=',
      'session',
      'session=a; session=b',
      '=x; ;;',
      'session="unterminated',
      `refresh=${'r'.repeat(5000)}`,
      'session=eyJhbGciOiJIUzI1NiJ9.e30.x',
    )
    .map((cookie): AuthVariant => ({ kind: 'garbage-cookie', cookie })),
)

const extraHeaders = fc.dictionary(
  fc.constantFrom(
    'x-forwarded-for',
    'x-forwarded-proto',
    'x-forwarded-host',
    'x-request-id',
    'accept',
    'accept-encoding',
    'referer',
    'x-twilio-signature',
    'host-override',
    'transfer-encoding',
  ),
  fc.constantFrom(
    '',
    'x',
    '1.2.3.4, 5.6.7.8',
    'https',
    'evil.example',
    '../',
    'a'.repeat(2000),
    'application/xml',
    'gzip',
    'http://localhost:5173/',
    'zzz',
  ),
  { maxKeys: 3 },
)

export interface FuzzCase {
  route: number
  id: string
  query: string
  trailingSlash: boolean
  body: FuzzBody
  contentType: string
  auth: AuthVariant
  headers: Record<string, string>
  /** For webhooks: sign the body as Twilio would (so the handler runs). */
  signWebhook: boolean
  /** Another method than the route's (405, CORS preflight, HEAD). */
  method?: string
  /** Send the valid-ish body that fits the route, as JSON with a valid bearer token, so success paths run. */
  wellFormed?: { customer: unknown; sms: unknown; email: unknown; user: unknown; role: Role; id: number }
}

function caseArb(routeCount: number): fc.Arbitrary<FuzzCase> {
  return fc.record({
    route: fc.nat({ max: routeCount - 1 }),
    id: pathId,
    query: queryString,
    trailingSlash: fc.boolean(),
    body: bodyArb,
    contentType,
    auth: authArb,
    headers: extraHeaders,
    signWebhook: fc.boolean(),
    method: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'POST', 'GET', 'TRACE', 'PROPFIND') },
    ),
    wellFormed: fc.option(
      fc.record({
        customer: customerBody,
        sms: smsBody,
        email: emailBody,
        user: userBody,
        role: fc.constantFrom<Role>(...ROLES),
        id: fc.integer({ min: 1, max: 6 }),
      }),
      { nil: undefined, freq: 2 },
    ),
  })
}

/** The valid-ish body for a route, when there is one. */
function fittingBody(path: string, w: NonNullable<FuzzCase['wellFormed']>): unknown {
  if (path.startsWith('/api/v2/customers')) return w.customer
  if (path.includes('/sms/')) return w.sms
  if (path.includes('/email/')) return w.email
  if (path.includes('/admin/users') || path.includes('change-password')) return w.user
  if (path.includes('/auth/login')) return { email: (w.user as { email?: string }).email, password: 'correct horse battery' }
  return undefined
}

/** Signed Twilio webhook forms (valid-ish), so the webhook handlers run and write. */
const webhookFormArb = fc.record({
  MessageSid: fc.oneof(fc.constantFrom('SM1', 'SM2', ''), fc.stringMatching(/^SM[0-9a-f]{32}$/)),
  AccountSid: fc.oneof(fc.constant(ACCOUNT_SID), fc.constantFrom('AC1', '')),
  From: phone,
  To: fc.constant(SENDER),
  Body: fc.oneof(fc.constantFrom('STOP', 'start', ' Unsubscribe ', 'YES', 'hello'), junkText),
  MessageStatus: fc.constantFrom('queued', 'sent', 'delivered', 'failed', 'bogus', ''),
  ErrorCode: fc.constantFrom('', '30003', 'abc'),
  NumMedia: fc.constantFrom('0', '1', '-1', 'x', '99'),
  MediaUrl0: fc.constantFrom('https://example.com/a.jpg', 'javascript:alert(1)', ''),
})

export interface Outcome {
  method: string
  path: string
  status: number
  ms: number
  contentType: string
  text: string
}

function withId(path: string, id: string): string {
  return path.replace(/:[A-Za-z_]+/g, id)
}

/** Builds and sends one request through app.handle. */
export async function runCase(world: FuzzWorld, c: FuzzCase, webhookForm?: Record<string, string>): Promise<Outcome | undefined> {
  const route = world.routes[c.route]!
  if (c.wellFormed && !webhookForm) {
    const value = fittingBody(route.path, c.wellFormed)
    c = {
      ...c,
      id: String(c.wellFormed.id),
      contentType: 'application/json',
      auth: { kind: 'bearer', role: c.wellFormed.role },
      body: value === undefined ? { kind: 'none' } : { kind: 'json', value },
    }
  }
  let path = withId(route.path, c.id)
  if (c.trailingSlash && !path.endsWith('/')) path += '/'
  if (!c.trailingSlash && path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
  const url = `http://localhost${path}${c.query}`
  const headers = new Headers()
  for (const [k, v] of Object.entries(c.headers)) {
    try {
      headers.set(k, v)
    } catch {
      // Not a legal header value: a real client cannot send it either.
    }
  }
  if (c.contentType !== 'none') headers.set('content-type', c.contentType)
  const token = (role: Role) => world.tokens[role]
  switch (c.auth.kind) {
    case 'garbage':
      try {
        headers.set('authorization', c.auth.header)
      } catch {}
      break
    case 'bearer':
      headers.set('authorization', `Bearer ${token(c.auth.role)}`)
      break
    case 'cookie':
      headers.set('cookie', `session=${token(c.auth.role)}`)
      if (c.auth.origin !== null) headers.set('origin', c.auth.origin)
      break
    case 'garbage-cookie':
      headers.set('cookie', c.auth.cookie)
      headers.set('origin', ORIGIN)
      break
    case 'bearer+cookie':
      headers.set('authorization', 'Bearer not-a-token')
      headers.set('cookie', `session=${token(c.auth.role)}`)
      break
  }
  let body: BodyInit | undefined
  const method = c.method ?? route.method
  if (method !== 'GET' && method !== 'HEAD') {
    if (webhookForm) {
      const pairs = Object.entries(webhookForm)
      body = new URLSearchParams(pairs).toString()
      headers.set('content-type', 'application/x-www-form-urlencoded')
      headers.set('x-twilio-signature', sign(`http://localhost${path}${c.query}`, pairs, AUTH_TOKEN))
      headers.delete('x-forwarded-proto')
      headers.delete('x-forwarded-host')
    } else if (c.body.kind === 'json') body = JSON.stringify(c.body.value)
    else if (c.body.kind === 'text') body = c.body.text
    else if (c.body.kind === 'bytes') body = new Uint8Array(c.body.bytes)
  }
  let request: Request
  try {
    request = new Request(url, { method, headers, body })
  } catch {
    return undefined // not a request any HTTP client could produce
  }
  const started = performance.now()
  const response = await world.testApp.app.handle(request)
  const text = await response.text()
  const ms = performance.now() - started
  return { method, path: path + c.query, status: response.status, ms, contentType: response.headers.get('content-type') ?? '', text }
}

/** The invariants every answer must satisfy; returns a reason when one is broken. */
export function violation(o: Outcome, before: string, after: string, boundMs = RESPONSE_BOUND_MS): string | undefined {
  if (o.status >= 500) return `5xx answer ${o.status}: ${o.text.slice(0, 300)}`
  if (o.ms > boundMs) return `answer took ${Math.round(o.ms)} ms`
  // Checked on JSON answers only: the docs assets are JavaScript that legitimately names TypeError.
  const leak = /\bat \S+\.(ts|js):\d+|node_modules|SQLITE_|syntax error at|TypeError|ReferenceError/
  if ((o.contentType.includes('json') || o.status >= 400) && leak.test(o.text)) return `internal detail leaked: ${o.text.slice(0, 300)}`
  if (o.status >= 200 && o.status < 300) return undefined
  // A HEAD answer has no body by definition; OPTIONS may be a bodyless CORS preflight.
  if (o.method === 'HEAD' || (o.method === 'OPTIONS' && o.status < 300))
    return before === after ? undefined : 'HEAD/OPTIONS changed business data'
  if (!o.contentType.includes('application/json')) return `non-2xx ${o.status} is not JSON (${o.contentType}): ${o.text.slice(0, 200)}`
  let parsed: unknown
  try {
    parsed = JSON.parse(o.text)
  } catch {
    return `non-2xx ${o.status} body is not JSON: ${o.text.slice(0, 200)}`
  }
  if (typeof (parsed as { detail?: unknown })?.detail !== 'string')
    return `non-2xx ${o.status} without a string detail: ${o.text.slice(0, 200)}`
  if (before !== after) return `rejected request (${o.status}) changed business data: ${before} -> ${after}`
  return undefined
}

/** After a 2xx on a route that can end sessions or change users, give every role a working token again. */
async function restoreTokens(world: FuzzWorld): Promise<void> {
  for (const role of ROLES) {
    const me = (await world.testApp.client(world.tokens[role]).api.v2.auth.me.get()).data?.user
    if (!me || me.role !== role || !me.is_active) world.tokens[role] = (await world.testApp.createUser(role)).token
  }
}

/** fc.assert, with the broken invariant (fast-check keeps it as the cause) in the message. */
async function assertWithInvariant(property: Parameters<typeof fc.assert>[0], parameters: Parameters<typeof fc.assert>[1]) {
  try {
    await fc.assert(property, parameters)
  } catch (error) {
    const cause = (error as Error).cause
    if (cause instanceof Error) (error as Error).message += `\nBroken invariant: ${cause.message}`
    throw error
  }
}

/** The whole property: numRuns random cases over every route; throws with the counterexample on failure. */
export async function fuzzAllRoutes(world: FuzzWorld, options: { seed: number; numRuns: number; boundMs?: number }) {
  const statusCounts = new Map<string, number>()
  await assertWithInvariant(
    fc.asyncProperty(caseArb(world.routes.length), webhookFormArb, async (c, form) => {
      const route = world.routes[c.route]!
      const signed = c.signWebhook && route.path.startsWith('/webhooks/')
      const before = await businessChecksum(world.testApp)
      const outcome = await runCase(world, c, signed ? form : undefined)
      if (!outcome) return
      const after = await businessChecksum(world.testApp)
      const key = `${outcome.method} ${route.path} ${outcome.status}`
      statusCounts.set(key, (statusCounts.get(key) ?? 0) + 1)
      const problem = violation(outcome, before, after, options.boundMs)
      if (problem) throw new Error(`${outcome.method} ${outcome.path}: ${problem}`)
      if (outcome.status < 300 && /\/auth\/|\/admin\/users/.test(route.path)) await restoreTokens(world)
    }),
    { seed: options.seed, numRuns: options.numRuns, endOnFailure: true },
  )
  return statusCounts
}
