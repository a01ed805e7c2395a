import { afterAll, beforeAll, expect, test } from 'bun:test'
import { bodyAs, describeEachDialect, signedIn, TEST_SECRET, useTestApp, type Api } from '../helpers/harness'
import { startFakeTwilio, type FakeTwilio } from '../../testkit/fakes/twilio'
import { startFakeSmtp, type FakeSmtp } from '../../testkit/fakes/smtp'
import { INCOMING, STATUS, inboundPairs, newSid, postSigned } from '../webhooks/signing'
import { AUTH_TOKEN } from '../../testkit/twilio'

const ACCOUNT_SID = `AC${'a1'.repeat(16)}`
const SMTP_PASSWORD = 'smtp-pass-NEVER-LOGGED-7731'
const METRICS_TOKEN = 'metrics-token-NEVER-LOGGED-5512'
const PASSWORD = 'Pa55word-NEVER-LOGGED-0042'
const NEW_PASSWORD = 'N3w-Pa55word-NEVER-LOGGED-9917'
const WRONG_PASSWORD = 'Wr0ng-Pa55word-NEVER-LOGGED-1185'
const CUSTOMER_PHONE = '+14155550123'
const INBOUND_PHONE = '+14155550177'
const SMS_BODY = 'Your appointment code is SMSBODY-7f3a'
const EMAIL_BODY = 'Private e-mail text EMAILBODY-9c2e'
const EMAIL_SUBJECT = 'Subject EMAILSUBJECT-4410'
const INBOUND_BODY = 'Inbound reply INBOUNDBODY-22d1'

function cookieValue(response: Response, name: string): string | undefined {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';')
    const [key, ...rest] = pair!.split('=')
    if (key!.trim() === name) return rest.join('=')
  }
  return undefined
}

describeEachDialect('log hygiene over a full session', (dialect) => {
  let twilio: FakeTwilio
  let smtp: FakeSmtp
  const secrets: Record<string, string> = {}

  beforeAll(async () => {
    twilio = startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN })
    smtp = await startFakeSmtp({ username: 'mailer', password: SMTP_PASSWORD })
  })
  afterAll(async () => {
    await twilio.close()
    await smtp.close()
  })
  const testApp = useTestApp(dialect, {
    env: () => ({
      LOG_LEVEL: 'debug',
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_PHONE_NUMBER: '+15005550006',
      TWILIO_API_BASE_URL: twilio.url,
      SMTP_URL: smtp.url.replace('smtp://', `smtp://mailer:${encodeURIComponent(SMTP_PASSWORD)}@`).replace(/@.*@/, '@'),
      EMAIL_FROM: 'crm@example.com',
      METRICS_TOKEN,
    }),
  })

  test('no secret, token, password, message body or full phone number reaches the log', async () => {
    const user = await testApp.createUser('user', { password: PASSWORD })
    const other = await testApp.createUser('user')
    const origin = { origin: 'http://localhost:5173' }

    // Failed logins (wrong password, unknown account), then a good one.
    expect((await testApp.request('POST', '/api/v2/auth/login', { json: { email: user.email, password: WRONG_PASSWORD } })).status).toBe(
      401,
    )
    expect(
      (await testApp.request('POST', '/api/v2/auth/login', { json: { email: 'nobody@example.com', password: WRONG_PASSWORD } })).status,
    ).toBe(401)
    const login = await testApp.request('POST', '/api/v2/auth/login', {
      json: { email: user.email.toUpperCase(), password: PASSWORD },
      headers: origin,
    })
    expect(login.status).toBe(200)
    const { access_token: accessToken } = signedIn(await bodyAs<Api['auth']['login']['post']>(login))
    const refreshToken = cookieValue(login, 'refresh')!
    expect(refreshToken).toBeTruthy()

    // 401 (bad token), 403 (permission), 422 (validation), authenticated reads.
    expect((await testApp.request('GET', '/api/v2/auth/me', { token: `${accessToken}x` })).status).toBe(401)
    expect(
      (
        await testApp.request('GET', '/api/v2/auth/me', {
          headers: { authorization: `Bearer ${accessToken}`, cookie: `session=${accessToken}` },
        })
      ).status,
    ).toBe(200)
    expect((await testApp.request('GET', '/api/v2/admin/users/', { token: accessToken })).status).toBe(403)
    expect(
      (await testApp.request('POST', '/api/v2/customers/', { token: accessToken, json: { first_name: '', phone: 'not a phone' } })).status,
    ).toBe(422)

    // A customer with a phone, an SMS to it, a failing SMS, an e-mail.
    const created = await testApp.request('POST', '/api/v2/customers/', {
      token: accessToken,
      json: { first_name: 'Grace', last_name: 'Hopper', phone: CUSTOMER_PHONE, email: 'grace@example.com' },
    })
    expect(created.status).toBe(201)
    const customer = await bodyAs<Api['customers']['post']>(created)
    const sms = await testApp.request('POST', '/api/v2/communications/sms/send', {
      token: accessToken,
      json: { customer_id: customer.id, body: SMS_BODY },
    })
    expect(sms.status).toBe(201)
    const sent = await bodyAs<Api['communications']['sms']['send']['post']>(sms)
    twilio.respondWith({ kind: 'error', httpStatus: 400, code: 21211, message: `The 'To' number ${CUSTOMER_PHONE} is not valid.` })
    const failed = await testApp.request('POST', '/api/v2/communications/sms/send', {
      token: accessToken,
      json: { to: CUSTOMER_PHONE, body: SMS_BODY },
    })
    expect(failed.status).toBe(502)
    const mail = await testApp.request('POST', '/api/v2/communications/email/send', {
      token: accessToken,
      json: { to: 'grace@example.com', subject: EMAIL_SUBJECT, body: EMAIL_BODY },
    })
    expect(mail.status).toBe(201)

    // Webhooks: an inbound SMS, a STOP, a delivery status, a forged one.
    expect(
      (await postSigned(testApp, INCOMING, inboundPairs({ From: INBOUND_PHONE, Body: INBOUND_BODY, AccountSid: ACCOUNT_SID }))).status,
    ).toBe(200)
    expect(
      (await postSigned(testApp, INCOMING, inboundPairs({ From: CUSTOMER_PHONE, Body: 'STOP', AccountSid: ACCOUNT_SID }))).status,
    ).toBe(200)
    expect(
      (
        await postSigned(testApp, STATUS, [
          ['MessageSid', sent.external_id!],
          ['MessageStatus', 'delivered'],
          ['To', CUSTOMER_PHONE],
          ['AccountSid', ACCOUNT_SID],
        ])
      ).status,
    ).toBe(200)
    expect(
      (
        await postSigned(
          testApp,
          INCOMING,
          inboundPairs({ From: INBOUND_PHONE, Body: INBOUND_BODY, MessageSid: newSid(), AccountSid: ACCOUNT_SID }),
          { signature: 'forged' },
        )
      ).status,
    ).toBe(403)

    // Refresh through the cookie, change the password, log out; metrics with its token.
    const refreshed = await testApp.request('POST', '/api/v2/auth/refresh', { cookies: { refresh: refreshToken }, headers: origin })
    expect(refreshed.status).toBe(200)
    const newAccess = (await bodyAs<Api['auth']['refresh']['post']>(refreshed)).access_token
    const newRefresh = cookieValue(refreshed, 'refresh')!
    expect(
      (
        await testApp.request('POST', '/api/v2/auth/change-password', {
          token: newAccess,
          json: { current_password: PASSWORD, new_password: NEW_PASSWORD },
        })
      ).status,
    ).toBe(204)
    expect((await testApp.request('POST', '/api/v2/auth/logout', { token: newAccess, cookies: { refresh: newRefresh } })).status).toBe(200)
    const metrics = await testApp.request('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    expect(metrics.status).toBe(200)
    // The session shows in the metrics: messages by outcome, the forged webhook, the denials.
    const text = await metrics.text()
    for (const line of [
      'crm_messages_total{channel="sms",direction="outbound",status="failed"} 1',
      'crm_messages_total{channel="email",direction="outbound",status="sent"} 1',
      'crm_messages_total{channel="sms",direction="inbound",status="received"}',
      'crm_webhook_signature_failures_total{reason=',
      'crm_forbidden_total{reason="permission"} 1',
      'crm_http_requests_total{method="POST",route="/api/v2/auth/login",status="401"} 2',
    ]) {
      expect(text).toContain(line)
    }
    expect((await testApp.request('GET', '/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
    expect((await testApp.request('GET', '/api/v2/auth/me', { token: other.token })).status).toBe(200)
    await Bun.sleep(30)

    Object.assign(secrets, {
      SECRET_KEY: TEST_SECRET,
      password: PASSWORD,
      'new password': NEW_PASSWORD,
      'wrong password': WRONG_PASSWORD,
      'access token': accessToken,
      'access token signature': accessToken.split('.')[2]!,
      'refresh token': refreshToken,
      'rotated access token': newAccess,
      'rotated refresh token': newRefresh,
      'harness token': other.token,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      'SMTP password': SMTP_PASSWORD,
      METRICS_TOKEN,
      'SMS body': SMS_BODY,
      'e-mail body': EMAIL_BODY,
      'inbound body': INBOUND_BODY,
      'customer phone': CUSTOMER_PHONE,
      'customer phone digits': CUSTOMER_PHONE.slice(1),
      'customer national number': CUSTOMER_PHONE.slice(2),
      'inbound phone': INBOUND_PHONE,
      'inbound phone digits': INBOUND_PHONE.slice(1),
    })
    const log = testApp.logs.text
    // The session really was logged: one line per request, warnings for the forged webhook.
    expect(testApp.logs.entries().filter((e) => e.msg === 'request').length).toBeGreaterThanOrEqual(20)
    expect(log).toContain('signature')
    // The SMS sends were logged, with the number masked to its last four digits.
    expect(log).toContain(`***${CUSTOMER_PHONE.slice(-4)}`)
    for (const [name, secret] of Object.entries(secrets)) {
      if (log.includes(secret)) throw new Error(`the log contains the ${name}`)
    }
    expect(log.toLowerCase()).not.toContain('authorization')
    expect(log.toLowerCase()).not.toMatch(/"cookie"|set-cookie/)
  }, 60_000)
})
