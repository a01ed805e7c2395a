import { expect, test } from 'bun:test'
import { emailAddressProblem, normalizeEmailAddress } from '../../src/email/address'
import { DEFAULT_PASSWORD, describeEachDialect, errorBody, expectBody, useTestApp } from '../helpers/harness'

// Addresses the SMTP sender cannot use must be refused wherever they would be stored.
const UNUSABLE = ['anna@bü_cher.de', 'a..b@example.com', 'a@b', '.a@example.com', 'a b@example.com', 'a@example.c0m']

test('one rule: each refusal says what is wrong; plain and internationalised domains pass', () => {
  expect(emailAddressProblem('anna@bücher.de')).toBeUndefined()
  expect(normalizeEmailAddress('anna@Bücher.de')).toBe('anna@xn--bcher-kva.de')
  expect(emailAddressProblem('anna@bü_cher.de')).toBeDefined()
  expect(emailAddressProblem('a..b@example.com')).toContain('two dots')
  expect(emailAddressProblem('a@b')).toContain('needs a dot')
  expect(emailAddressProblem('ab.example.com')).toContain('exactly one @')
  expect(emailAddressProblem('anna@xn--bcher-kva.de')).toBeUndefined()
  expect(emailAddressProblem('first.last+tag@sub.example.co.uk')).toBeUndefined()
})

describeEachDialect('one e-mail rule for customers, users and recipients', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['user', 'superuser'] })
  const { user, superuser: admin } = testApp.users

  test('a customer e-mail the sender could not use is a 422 naming email, with the reason; nothing stored', async () => {
    for (const email of UNUSABLE) {
      const response = await testApp.request('POST', '/api/v2/customers', {
        token: user.token,
        json: { first_name: 'Anna', last_name: 'Mail', email },
      })
      expect(response.status).toBe(422)
      const body = await errorBody(response)
      const error = body.errors?.find((e) => e.field === 'email')
      expect(error?.message).toBe(emailAddressProblem(email)!)
    }
    const list = expectBody(await testApp.client(user).api.v2.customers.get({ query: { search: 'anna' } }), 200)
    expect(list.total).toBe(0)
  })

  test('an accepted customer e-mail is one the e-mail route accepts too', async () => {
    const created = await testApp.request('POST', '/api/v2/customers', {
      token: user.token,
      json: { first_name: 'Anna', last_name: 'Mail', email: 'anna@bücher.de' },
    })
    expect(created.status).toBe(201)
    const send = await testApp.request('POST', '/api/v2/communications/email/send', {
      token: user.token,
      json: { to: 'a..b@example.com', subject: 'Hi', body: 'Hello' },
    })
    expect(send.status).toBe(422)
    expect((await errorBody(send)).errors?.[0]).toEqual({ field: 'to', message: emailAddressProblem('a..b@example.com')! })
  })

  test('a user e-mail follows the same rule', async () => {
    for (const email of ['anna@bü_cher.de', 'a..b@example.com']) {
      const response = await testApp.request('POST', '/api/v2/admin/users', {
        token: admin.token,
        json: { email, password: `${DEFAULT_PASSWORD} quartz`, full_name: 'Anna Mail', role: 'user' },
      })
      expect(response.status).toBe(422)
      expect((await errorBody(response)).errors?.find((e) => e.field === 'email')?.message).toBe(emailAddressProblem(email)!)
    }
  })
})
