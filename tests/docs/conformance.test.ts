import { afterAll, beforeAll, expect, test } from 'bun:test'
import {
  bodyAs,
  DEFAULT_PASSWORD,
  describeEachDialect,
  useTestApp,
  type AppClient,
  type RequestOptions,
  type TestApp,
} from '../helpers/harness'
import { conformanceProblems, findOperation, schemaValidator, type OpenApiDocument } from '../helpers/openapi'
import { startFakeSmtp, type FakeSmtp } from '../../testkit/fakes/smtp'
import type { FakeTwilio } from '../../testkit/fakes/twilio'
import { inboundPairs } from '../webhooks/signing'
import { OPERATIONS } from '../../src/docs/operations'
import { enrol, totpCode } from '../security/two-factor-support'
import { ACCOUNT_SID, AUTH_TOKEN, fakeTwilio, twilioEnv, formBody, sign, type Pairs } from '../../testkit/twilio'

type Api = AppClient['api']['v2']

const FRONTEND = 'http://localhost:5173'
const MAX_BODY = 65_536

/**
 * A scripted session that walks every operation through its success and its
 * usual failures, and checks every answer against /openapi.json: a status,
 * header or body the document does not describe fails the test.
 */
describeEachDialect('every answer of a scripted session matches /openapi.json', (dialect) => {
  let twilio: FakeTwilio
  let smtp: FakeSmtp
  let doc: OpenApiDocument
  const validate = schemaValidator()
  const problems: string[] = []
  const exercised = new Set<string>()

  beforeAll(async () => {
    twilio = fakeTwilio()
    smtp = await startFakeSmtp()
  })
  afterAll(async () => {
    await twilio.close()
    await smtp.close()
  })
  const testApp = useTestApp(dialect, {
    env: () => ({
      ...twilioEnv(twilio, { TWILIO_AUTH_TOKEN: AUTH_TOKEN }),
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'office@acme-plumbing.com',
      METRICS_TOKEN: 'metrics-token-for-tests-0123456789',
      RATE_LIMIT_SMS_PER_MINUTE: '2',
      LOGIN_MAX_FAILURES: '3',
      MAX_BODY_BYTES: String(MAX_BODY),
      FRONTEND_URL: FRONTEND,
    }),
    timeout: 30_000,
  })
  // Without Twilio and SMTP: the 503 answers.
  const bare = useTestApp(dialect, { timeout: 30_000 })
  beforeAll(async () => {
    doc = (await (await testApp.request('GET', '/openapi.json')).json()) as OpenApiDocument
  })

  /** One request of the session; its answer is checked against the document. */
  async function call(
    method: string,
    path: string,
    options: RequestOptions = {},
    app: Pick<TestApp, 'request'> = testApp,
  ): Promise<Response> {
    const response = await app.request(method, path, { ...options, headers: { origin: FRONTEND, ...options.headers } })
    const found = findOperation(doc, method, path)
    if (found) exercised.add(`${method} ${found.template}`)
    problems.push(...(await conformanceProblems(doc, validate, method, path, response.clone())))
    return response
  }

  const signedForm = (path: string, pairs: Pairs, signature = sign(`http://localhost${path}`, pairs, AUTH_TOKEN)) =>
    call('POST', path, {
      body: formBody(pairs),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    })

  test('the session', async () => {
    const owner = await testApp.createUser('superuser')
    const user = await testApp.createUser('user')
    const expectStatus = async (response: Promise<Response>, status: number) => expect((await response).status).toBe(status)

    // Operations
    await expectStatus(call('GET', '/health'), 200)
    await expectStatus(call('GET', '/metrics'), 401)
    await expectStatus(call('GET', '/metrics', { headers: { authorization: 'Bearer metrics-token-for-tests-0123456789' } }), 200)

    // Authentication
    const login = await call('POST', '/api/v2/auth/login', { json: { email: user.email, password: DEFAULT_PASSWORD } })
    expect(login.status).toBe(200)
    const refreshCookie = /refresh=([^;]+)/.exec(login.headers.getSetCookie().join('\n'))![1]!
    await expectStatus(call('POST', '/api/v2/auth/login', { json: { email: user.email } }), 422)
    await expectStatus(
      call('POST', '/api/v2/auth/login', {
        body: `email=${user.email}&password=x`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    )
    await expectStatus(call('POST', '/api/v2/auth/login', { body: '{"email":', headers: { 'content-type': 'application/json' } }), 400)
    await expectStatus(
      call('POST', '/api/v2/auth/login', {
        body: JSON.stringify({ email: 'x@example.com', password: 'p'.repeat(MAX_BODY) }),
        headers: { 'content-type': 'application/json' },
      }),
      413,
    )
    const victim = await testApp.createUser('user')
    for (let i = 0; i < 3; i++)
      await expectStatus(call('POST', '/api/v2/auth/login', { json: { email: victim.email, password: 'wrong password' } }), 401)
    await expectStatus(call('POST', '/api/v2/auth/login', { json: { email: victim.email, password: 'wrong password' } }), 429)
    const disabled = await testApp.createUser('user')
    await expectStatus(call('PATCH', `/api/v2/admin/users/${disabled.id}`, { token: owner.token, json: { is_active: false } }), 200)
    await expectStatus(call('POST', '/api/v2/auth/login', { json: { email: disabled.email, password: DEFAULT_PASSWORD } }), 403)
    await expectStatus(call('GET', '/api/v2/auth/me', { token: user.token }), 200)
    await expectStatus(call('GET', '/api/v2/auth/me'), 401)
    await expectStatus(call('POST', '/api/v2/auth/refresh', { cookies: { refresh: refreshCookie } }), 200)
    await expectStatus(call('POST', '/api/v2/auth/refresh'), 401)
    await expectStatus(
      call('POST', '/api/v2/auth/refresh', { cookies: { refresh: refreshCookie }, headers: { origin: 'https://evil.example' } }),
      403,
    )

    // Customers
    const created = await call('POST', '/api/v2/customers', {
      token: user.token,
      json: { first_name: 'Ada', last_name: 'Lovelace', phone: '+14155550143', email: 'ada@example.com' },
    })
    expect(created.status).toBe(201)
    const customer = await bodyAs<Api['customers']['post']>(created)
    await expectStatus(call('POST', '/api/v2/customers', { token: user.token, json: { first_name: '' } }), 422)
    await expectStatus(call('GET', '/api/v2/customers?page=1&page_size=10&search=ada', { token: user.token }), 200)
    await expectStatus(call('GET', '/api/v2/customers?page_size=0', { token: user.token }), 422)
    await expectStatus(call('GET', '/api/v2/customers'), 401)
    await expectStatus(call('GET', `/api/v2/customers/${customer.id}`, { token: user.token }), 200)
    await expectStatus(call('GET', '/api/v2/customers/999999', { token: user.token }), 404)
    // An id that is no number: 404 like any unknown one (the document lists no 422 here).
    await expectStatus(call('GET', `/api/v2/customers/${'9'.repeat(40)}x`, { token: user.token }), 404)
    await expectStatus(
      call('PATCH', `/api/v2/customers/${customer.id}`, { token: user.token, json: { company: 'Analytical Engines' } }),
      200,
    )
    await expectStatus(call('PATCH', '/api/v2/customers/999999', { token: user.token, json: { company: 'x' } }), 404)
    await expectStatus(call('GET', `/api/v2/customers/${customer.id}/communications`, { token: user.token }), 200)
    await expectStatus(call('GET', '/api/v2/customers/999999/communications', { token: user.token }), 404)
    await expectStatus(call('DELETE', `/api/v2/customers/${customer.id}`, { token: user.token }), 403)
    await expectStatus(call('POST', `/api/v2/customers/${customer.id}/archive`, { token: user.token }), 200)
    await expectStatus(call('POST', `/api/v2/customers/${customer.id}/unarchive`, { token: user.token }), 200)
    await expectStatus(call('POST', '/api/v2/customers/999999/archive', { token: user.token }), 404)
    await expectStatus(call('POST', '/api/v2/customers/999999/unarchive', { token: user.token }), 404)

    // Communications
    const sms = (body: unknown, app = testApp, token = user.token) =>
      call('POST', '/api/v2/communications/sms/send', { token, json: body }, app)
    await expectStatus(sms({ customer_id: customer.id, body: 'Your technician arrives at 9.' }), 201)
    await expectStatus(sms({ customer_id: 999999, body: 'hello' }), 404)
    await expectStatus(sms({ body: '' }), 422)
    await expectStatus(
      signedForm(
        '/webhooks/twilio/incoming',
        inboundPairs({ AccountSid: ACCOUNT_SID, From: '+14155550188', Body: 'STOP', OptOutType: 'STOP' }),
      ),
      200,
    )
    await expectStatus(sms({ to: '+14155550188', body: 'hello' }), 409)
    twilio.respondWith({ kind: 'error', httpStatus: 400, code: 21211, message: "The 'To' number is not a valid phone number." })
    await expectStatus(sms({ to: '+14155550177', body: 'hello' }), 502)
    await expectStatus(sms({ to: '+14155550166', body: 'hello' }), 429)
    await expectStatus(sms({ to: '+14155550155', body: 'hello' }, bare, (await bare.createUser('user')).token), 503)
    const email = (body: unknown, app = testApp, token = user.token) =>
      call('POST', '/api/v2/communications/email/send', { token, json: body }, app)
    await expectStatus(email({ to: 'ada@example.com', subject: 'Your visit', body: 'See you at 9.' }), 201)
    await expectStatus(email({ customer_id: 999999, subject: 'x', body: 'y' }), 404)
    smtp.rejectRecipients({ code: 550, message: 'Mailbox unavailable' })
    await expectStatus(email({ to: 'gone@example.com', subject: 'x', body: 'y' }), 502)
    smtp.rejectRecipients(null)
    await expectStatus(email({ to: 'ada@example.com', subject: 'x', body: 'y' }, bare, (await bare.createUser('user')).token), 503)
    await expectStatus(call('GET', '/api/v2/communications/history?type=sms&direction=outbound', { token: user.token }), 200)
    await expectStatus(call('GET', '/api/v2/communications/history?type=fax', { token: user.token }), 422)
    await expectStatus(call('GET', '/api/v2/communications/history?message_type=email', { token: user.token }), 200)
    await expectStatus(
      call('POST', '/api/v2/communications/sms/send-bulk', {
        token: user.token,
        json: { customer_ids: [customer.id, '999999'], message: 'Closed Monday' },
      }),
      200,
    )
    await expectStatus(
      call('POST', '/api/v2/communications/sms/send-bulk', { token: user.token, json: { customer_ids: [], message: 'x' } }),
      422,
    )
    await expectStatus(
      call(
        'POST',
        '/api/v2/communications/sms/send-bulk',
        { token: (await bare.createUser('user')).token, json: { customer_ids: [1], message: 'x' } },
        bare,
      ),
      503,
    )
    await expectStatus(
      call('GET', '/api/v2/communications/sms/customers?search=ada&page=1&page_size=20&active_only=true', { token: user.token }),
      200,
    )
    await expectStatus(call('GET', '/api/v2/communications/stats', { token: user.token }), 200)
    await expectStatus(call('GET', '/api/v2/communications/activity?limit=50&channel=sms&search=ada', { token: user.token }), 200)
    await expectStatus(call('GET', '/api/v2/communications/activity?channel=fax', { token: user.token }), 422)
    await expectStatus(call('GET', '/api/v2/sms/conversations?search=ada', { token: user.token }), 200)
    await expectStatus(call('GET', `/api/v2/sms/conversations/${encodeURIComponent('+14155550143')}?limit=10`, { token: user.token }), 200)
    await expectStatus(call('GET', '/api/v2/sms/conversations/not-a-number', { token: user.token }), 404)
    await expectStatus(call('POST', `/api/v2/sms/conversations/${encodeURIComponent('+14155550143')}/read`, { token: user.token }), 200)
    await expectStatus(call('POST', '/api/v2/sms/conversations/not-a-number/read', { token: user.token }), 404)
    await expectStatus(call('GET', `/api/v2/customers/${customer.id}/sms-conversation`, { token: user.token }), 200)
    await expectStatus(call('GET', '/api/v2/customers/999999/sms-conversation', { token: user.token }), 404)

    // Webhooks
    await expectStatus(signedForm('/webhooks/twilio/incoming', inboundPairs({ AccountSid: ACCOUNT_SID, Body: 'Thanks!' })), 200)
    await expectStatus(signedForm('/webhooks/twilio/incoming', inboundPairs({ AccountSid: ACCOUNT_SID }), 'bm90IGEgc2lnbmF0dXJl'), 403)
    await expectStatus(signedForm('/webhooks/twilio/incoming', inboundPairs({ AccountSid: ACCOUNT_SID, MessageSid: 'SM1' })), 400)
    await expectStatus(
      signedForm('/webhooks/twilio/status', [
        ['MessageSid', `SM${'ab'.repeat(16)}`],
        ['AccountSid', ACCOUNT_SID],
        ['MessageStatus', 'delivered'],
      ]),
      200,
    )
    await expectStatus(
      signedForm('/webhooks/twilio/status', [
        ['MessageSid', 'SM1'],
        ['AccountSid', ACCOUNT_SID],
        ['MessageStatus', 'delivered'],
      ]),
      400,
    )
    await expectStatus(
      call('POST', '/webhooks/twilio/status', { body: 'MessageSid=SM1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      403,
    )

    // Users and admin
    await expectStatus(call('GET', '/api/v2/admin/users', { token: owner.token }), 200)
    await expectStatus(call('GET', '/api/v2/admin/users', { token: user.token }), 403)
    const newUser = { email: 'grace@acme-plumbing.com', password: 'a long enough password', full_name: 'Grace Hopper', role: 'user' }
    await expectStatus(call('POST', '/api/v2/admin/users', { token: owner.token, json: newUser }), 201)
    await expectStatus(call('POST', '/api/v2/admin/users', { token: owner.token, json: newUser }), 409)
    const office = await call('POST', '/api/v2/admin/users', {
      token: owner.token,
      json: {
        email: 'office@acme-plumbing.com',
        password: 'a long enough password',
        first_name: 'Olive',
        last_name: 'Office',
        role: 'office',
      },
    })
    expect(office.status).toBe(201)
    const officeId = (await bodyAs<Api['admin']['users']['post']>(office)).id
    await expectStatus(call('DELETE', `/api/v2/admin/users/${officeId}`, { token: owner.token }), 200)
    await expectStatus(call('DELETE', '/api/v2/admin/users/999999', { token: owner.token }), 404)
    await expectStatus(call('DELETE', `/api/v2/admin/users/${owner.id}`, { token: owner.token }), 409)
    await expectStatus(call('PATCH', `/api/v2/admin/users/${user.id}`, { token: owner.token, json: { full_name: 'Maria Lopez' } }), 200)
    await expectStatus(call('PATCH', '/api/v2/admin/users/999999', { token: owner.token, json: { full_name: 'Nobody' } }), 404)
    await expectStatus(call('PATCH', `/api/v2/admin/users/${owner.id}`, { token: owner.token, json: { role: 'user' } }), 409)
    await expectStatus(call('GET', '/api/v2/admin/audit?action=login.failure', { token: owner.token }), 200)
    await expectStatus(call('GET', '/api/v2/admin/audit?user_id=0', { token: owner.token }), 422)
    await expectStatus(call('GET', '/api/v2/admin/stats', { token: owner.token }), 200)
    await expectStatus(call('DELETE', `/api/v2/customers/${customer.id}`, { token: owner.token }), 204)
    await expectStatus(call('DELETE', `/api/v2/customers/${customer.id}`, { token: owner.token }), 404)

    // Password and sessions
    await expectStatus(
      call('POST', '/api/v2/auth/change-password', {
        token: user.token,
        json: { current_password: 'not my password', new_password: 'copper pipes hum at dawn' },
      }),
      400,
    )
    await expectStatus(
      call('POST', '/api/v2/auth/change-password', { token: user.token, json: { current_password: DEFAULT_PASSWORD } }),
      422,
    )
    await expectStatus(
      call('POST', '/api/v2/auth/change-password', {
        token: user.token,
        json: { current_password: DEFAULT_PASSWORD, new_password: 'copper pipes hum at dawn' },
      }),
      204,
    )
    await expectStatus(call('POST', '/api/v2/auth/logout', { token: user.token }), 200)
    const again = await testApp.createUser('user')
    await expectStatus(call('POST', '/api/v2/auth/logout-all', { token: again.token }), 200)

    // Sessions
    const listed = await call('GET', '/api/v2/auth/sessions', { token: owner.token })
    expect(listed.status).toBe(200)
    const traveller = await testApp.createUser('user')
    const sessions = await call('GET', `/api/v2/admin/users/${traveller.id}/sessions`, { token: owner.token })
    const { items } = await bodyAs<ReturnType<Api['admin']['users']>['sessions']['get']>(sessions)
    await expectStatus(call('GET', '/api/v2/admin/users/999999/sessions', { token: owner.token }), 404)
    await expectStatus(call('DELETE', `/api/v2/admin/users/${traveller.id}/sessions/${items[0]!.id}`, { token: owner.token }), 204)
    await expectStatus(call('DELETE', `/api/v2/admin/users/${traveller.id}/sessions/${items[0]!.id}`, { token: owner.token }), 404)
    await expectStatus(call('DELETE', `/api/v2/admin/users/${traveller.id}/sessions`, { token: owner.token }), 204)
    await expectStatus(call('DELETE', '/api/v2/admin/users/999999/sessions', { token: owner.token }), 404)
    const other = await testApp.createUser('user')
    const mine = await testApp.request('POST', '/api/v2/auth/login', { json: { email: other.email, password: DEFAULT_PASSWORD } })
    expect(mine.status).toBe(200)
    const { items: own } = await bodyAs<Api['auth']['sessions']['get']>(await call('GET', '/api/v2/auth/sessions', { token: other.token }))
    const elsewhere = own.find((session) => !session.current)!
    await expectStatus(call('DELETE', `/api/v2/auth/sessions/${elsewhere.id}`, { token: other.token }), 204)
    await expectStatus(call('DELETE', `/api/v2/auth/sessions/${elsewhere.id}`, { token: other.token }), 404)

    // Password reset
    const forgetful = await testApp.createUser('user')
    smtp.messages.length = 0
    await expectStatus(call('POST', '/api/v2/auth/password-reset', { json: { email: forgetful.email } }), 202)
    await expectStatus(call('POST', '/api/v2/auth/password-reset', { json: { email: forgetful.email } }, bare), 503)
    // The e-mail goes out after the answer; its body is quoted-printable.
    for (let i = 0; i < 200 && smtp.messages.length === 0; i++) await Bun.sleep(10)
    const mail = smtp.messages.map((m) => m.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')).join('\n')
    const link = /\?token=([^\s&"]+)/.exec(mail)
    expect(link).not.toBeNull()
    await expectStatus(
      call('POST', '/api/v2/auth/password-reset/confirm', { json: { token: 'not-a-token', new_password: 'copper pipes hum at dawn' } }),
      400,
    )
    await expectStatus(
      call('POST', '/api/v2/auth/password-reset/confirm', {
        json: { token: decodeURIComponent(link![1]!), new_password: 'copper pipes hum at dawn' },
      }),
      204,
    )

    // Two-factor sign-in
    const second = await testApp.createUser('user')
    const twoFactor = (path: string, json: unknown) => call('POST', `/api/v2/auth/2fa/${path}`, { token: second.token, json })
    // Wrong passwords and codes count against the login throttle (3 here): they are spread over three accounts.
    const third = await testApp.createUser('user')
    await expectStatus(call('POST', '/api/v2/auth/2fa/setup', { token: third.token, json: { password: 'not my password' } }), 400)
    const setup = await twoFactor('setup', { password: DEFAULT_PASSWORD })
    expect(setup.status).toBe(200)
    const { secret } = await bodyAs<Api['auth']['2fa']['setup']['post']>(setup)
    const now = Date.now()
    await expectStatus(twoFactor('enable', { code: totpCode(secret, now - 600_000) }), 400)
    const enabled = await twoFactor('enable', { code: totpCode(secret, now) })
    expect(enabled.status).toBe(200)
    const { recovery_codes: codes } = await bodyAs<Api['auth']['2fa']['enable']['post']>(enabled)
    await expectStatus(twoFactor('setup', { password: DEFAULT_PASSWORD }), 409)
    const challenged = await call('POST', '/api/v2/auth/login', { json: { email: second.email, password: DEFAULT_PASSWORD } })
    const login2 = await bodyAs<Api['auth']['login']['post']>(challenged)
    if (!('challenge' in login2)) throw new Error('no second-factor challenge')
    const { challenge } = login2
    await expectStatus(call('POST', '/api/v2/auth/2fa/verify', { json: { challenge, code: totpCode(secret, now - 600_000) } }), 401)
    await expectStatus(call('POST', '/api/v2/auth/2fa/verify', { json: { challenge, code: codes[0] } }), 200)
    const renewed = await twoFactor('recovery-codes', { code: totpCode(secret, now + 30_000) })
    expect(renewed.status).toBe(200)
    const { recovery_codes: fresh } = await bodyAs<Api['auth']['2fa']['recovery-codes']['post']>(renewed)
    await expectStatus(twoFactor('disable', { password: DEFAULT_PASSWORD, code: fresh[0] }), 204)
    await expectStatus(twoFactor('disable', { password: DEFAULT_PASSWORD, code: fresh[1] }), 409)
    await expectStatus(twoFactor('recovery-codes', { code: totpCode(secret) }), 409)
    await expectStatus(twoFactor('enable', { code: totpCode(secret) }), 409)
    const lost = await testApp.createUser('user')
    await enrol(testApp, lost)
    await expectStatus(call('POST', '/api/v2/auth/2fa/recovery-codes', { token: lost.token, json: { code: '000000-wrong' } }), 400)
    await expectStatus(
      call('POST', '/api/v2/auth/2fa/disable', { token: lost.token, json: { password: DEFAULT_PASSWORD, code: 'wrong-code' } }),
      400,
    )
    await expectStatus(call('POST', `/api/v2/admin/users/${lost.id}/reset-2fa`, { token: owner.token }), 204)
    await expectStatus(call('POST', '/api/v2/admin/users/999999/reset-2fa', { token: owner.token }), 404)
    await expectStatus(call('POST', `/api/v2/admin/users/${owner.id}/reset-2fa`, { token: owner.token }), 403)

    expect(problems).toEqual([])
  }, 90_000)

  test('the session reached every operation the description table knows', () => {
    expect(Object.keys(OPERATIONS).filter((key) => !exercised.has(key))).toEqual([])
  })

  test('a method a path does not have: 405 with Allow listing exactly the documented methods', async () => {
    const wrong: string[] = []
    for (const [template, item] of Object.entries(doc.paths)) {
      const documented = Object.keys(item).map((m) => m.toUpperCase())
      const method = ['PUT', 'PATCH', 'DELETE', 'POST'].find((m) => !documented.includes(m))!
      const path = template.replace(/\{[^}]+\}/g, '1')
      const response = await testApp.request(method, path)
      const allowed = [...documented, ...(documented.includes('GET') ? ['HEAD'] : [])].sort()
      const body = await response.text()
      if (
        response.status !== 405 ||
        body !== '{"detail":"Method Not Allowed"}' ||
        response.headers.get('allow')?.split(', ').sort().join() !== allowed.join()
      )
        wrong.push(`${method} ${path}: ${response.status} Allow ${response.headers.get('allow')} (documented ${allowed.join(', ')})`)
    }
    expect(wrong).toEqual([])
  })
})
