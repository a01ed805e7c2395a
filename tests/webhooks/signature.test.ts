import { describe, expect, test } from 'bun:test'
import twilio from 'twilio'
import { eq } from 'drizzle-orm'
import { describeEachDialect, errorBody, errorFields, useTestApp } from '../helpers/harness'
import { parseTwilioForm } from '../../src/webhooks/form'
import { signedUrl } from '../../src/webhooks/signature'
import { INCOMING, STATUS, communicationCount, inboundPairs, newSid, postSigned } from './signing'
import { ACCOUNT_SID, AUTH_TOKEN, formBody, sign, signingParams, type Pairs } from '../../testkit/twilio'

async function expectAccepted(response: Response) {
  expect(response.status).toBe(200)
  expect(await response.text()).toBe('<Response></Response>')
}

async function expectRejected(response: Response, detail: string) {
  expect(response.status).toBe(403)
  expect(await response.json()).toEqual({ detail })
}

describeEachDialect('Twilio webhook signature', (dialect) => {
  const testApp = useTestApp(dialect, { env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, TRUST_PROXY: 'true' } })

  describe('accepted', () => {
    test('signed for the request URL (no Host header: the URL itself)', async () => {
      await expectAccepted(await postSigned(testApp, INCOMING, inboundPairs()))
    })

    test('signed for the Host header', async () => {
      const pairs = inboundPairs()
      const response = await postSigned(testApp, INCOMING, pairs, {
        signedUrl: `http://crm.example.com${INCOMING}`,
        headers: { host: 'crm.example.com' },
      })
      await expectAccepted(response)
    })

    test('signed for X-Forwarded-Proto and X-Forwarded-Host (a tunnel in front)', async () => {
      const response = await postSigned(testApp, INCOMING, inboundPairs(), {
        signedUrl: `https://abc.trycloudflare.com${INCOMING}`,
        headers: { host: '127.0.0.1:8000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'abc.trycloudflare.com' },
      })
      await expectAccepted(response)
    })

    test('only X-Forwarded-Proto: the Host header supplies the host', async () => {
      const response = await postSigned(testApp, INCOMING, inboundPairs(), {
        signedUrl: `https://abc.ngrok-free.app${INCOMING}`,
        headers: { host: 'abc.ngrok-free.app', 'x-forwarded-proto': 'https' },
      })
      await expectAccepted(response)
    })

    test('comma-separated forwarding headers: the first value of each', async () => {
      const response = await postSigned(testApp, INCOMING, inboundPairs(), {
        signedUrl: `https://crm.example.com${INCOMING}`,
        headers: { host: 'internal:8000', 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'crm.example.com, proxy.internal:8080' },
      })
      await expectAccepted(response)
    })

    test('signed with :443 while the request says no port, and the other way round', async () => {
      const withPort = await postSigned(testApp, INCOMING, inboundPairs(), {
        signedUrl: `https://crm.example.com:443${INCOMING}`,
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'crm.example.com' },
      })
      await expectAccepted(withPort)
      const withoutPort = await postSigned(testApp, INCOMING, inboundPairs(), {
        signedUrl: `https://crm.example.com${INCOMING}`,
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'crm.example.com:443' },
      })
      await expectAccepted(withoutPort)
    })

    test('signed with :80 for plain http', async () => {
      const response = await postSigned(testApp, INCOMING, inboundPairs(), {
        signedUrl: `http://crm.example.com:80${INCOMING}`,
        headers: { host: 'crm.example.com' },
      })
      await expectAccepted(response)
    })

    test('the query string is part of the signed URL, exactly as received', async () => {
      const path = `${INCOMING}?tenant=main&note=a%20b`
      const response = await postSigned(testApp, path, inboundPairs(), { signedUrl: `http://localhost${path}` })
      await expectAccepted(response)
    })

    test('repeated parameters are all signed', async () => {
      const pairs: Pairs = [...inboundPairs(), ['Tag', 'b'], ['Tag', 'a'], ['Tag', 'c']]
      await expectAccepted(await postSigned(testApp, INCOMING, pairs))
    })

    test('unicode, "+" and spaces in values', async () => {
      const pairs = inboundPairs({ Body: 'Grüße 👋 a+b = c & d%', From: '+1 (500) 555-0006' })
      await expectAccepted(await postSigned(testApp, INCOMING, pairs))
      // The same values percent-encoded differently (%20 instead of +) still validate.
      const other = inboundPairs({ Body: 'two  spaces + plus' })
      const body = other.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
      await expectAccepted(await postSigned(testApp, INCOMING, other, { body }))
    })

    test('parameters the code does not know are signed too (never a whitelist)', async () => {
      const pairs: Pairs = [...inboundPairs(), ['SmsStatus', 'received'], ['FromCity', 'SAN FRANCISCO'], ['NewTwilioField2031', 'x']]
      await expectAccepted(await postSigned(testApp, INCOMING, pairs))
    })

    test('status callbacks are checked the same way', async () => {
      const response = await postSigned(testApp, STATUS, [
        ['MessageSid', newSid()],
        ['MessageStatus', 'sent'],
        ['AccountSid', ACCOUNT_SID],
      ])
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ status: 'ok' })
    })

    test('a webhook signed with HMAC-SHA256 (named in X-Twilio-Webhooks-Signature-Settings)', async () => {
      const pairs = inboundPairs()
      const url = `http://localhost${INCOMING}`
      const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, signingParams(pairs), 'HMAC_SHA256')
      const response = await postSigned(testApp, INCOMING, pairs, {
        signature,
        headers: { 'x-twilio-webhooks-signature-settings': 'key=webhooks_sharedkey_x,algorithm=HMAC_SHA256' },
      })
      await expectAccepted(response)
    })
  })

  describe('rejected (and nothing stored)', () => {
    async function rejectedWithoutWrites(response: Promise<Response>, detail: string) {
      const before = await communicationCount(testApp)
      await expectRejected(await response, detail)
      expect(await communicationCount(testApp)).toBe(before)
    }

    test('no X-Twilio-Signature header', async () => {
      await rejectedWithoutWrites(postSigned(testApp, INCOMING, inboundPairs(), { signature: null }), 'Missing Twilio signature')
    })

    test('an empty header', async () => {
      await rejectedWithoutWrites(postSigned(testApp, INCOMING, inboundPairs(), { signature: '' }), 'Missing Twilio signature')
      await rejectedWithoutWrites(postSigned(testApp, STATUS, inboundPairs(), { signature: '   ' }), 'Missing Twilio signature')
    })

    test('a wrong signature', async () => {
      await rejectedWithoutWrites(
        postSigned(testApp, INCOMING, inboundPairs(), { signature: 'bm90IGEgc2lnbmF0dXJl' }),
        'Invalid Twilio signature',
      )
      await rejectedWithoutWrites(
        postSigned(testApp, INCOMING, inboundPairs(), { token: 'some-other-auth-token' }),
        'Invalid Twilio signature',
      )
    })

    test('a body tampered with after signing', async () => {
      const pairs = inboundPairs({ Body: 'pay 10' })
      const tampered = formBody(pairs.map(([k, v]) => [k, k === 'Body' ? 'pay 1000' : v]))
      await rejectedWithoutWrites(postSigned(testApp, INCOMING, pairs, { body: tampered }), 'Invalid Twilio signature')
    })

    test('a parameter added after signing', async () => {
      const pairs = inboundPairs()
      await rejectedWithoutWrites(
        postSigned(testApp, INCOMING, pairs, { body: formBody([...pairs, ['Extra', '1']]) }),
        'Invalid Twilio signature',
      )
    })

    test('a repeated value added after signing', async () => {
      const pairs: Pairs = [...inboundPairs(), ['Tag', 'a']]
      await rejectedWithoutWrites(
        postSigned(testApp, INCOMING, pairs, { body: formBody([...pairs, ['Tag', 'b']]) }),
        'Invalid Twilio signature',
      )
    })

    test('a parameter removed', async () => {
      const pairs = inboundPairs()
      await rejectedWithoutWrites(
        postSigned(testApp, INCOMING, pairs, { body: formBody(pairs.filter(([k]) => k !== 'NumMedia')) }),
        'Invalid Twilio signature',
      )
    })

    test('signed for another host', async () => {
      const response = postSigned(testApp, INCOMING, inboundPairs(), {
        signedUrl: `https://evil.example.com${INCOMING}`,
        headers: { host: 'crm.example.com', 'x-forwarded-proto': 'https' },
      })
      await rejectedWithoutWrites(response, 'Invalid Twilio signature')
    })

    test('signed for another scheme', async () => {
      const response = postSigned(testApp, INCOMING, inboundPairs(), {
        signedUrl: `http://crm.example.com${INCOMING}`,
        headers: { host: 'crm.example.com', 'x-forwarded-proto': 'https' },
      })
      await rejectedWithoutWrites(response, 'Invalid Twilio signature')
    })

    test('signed for another path or query', async () => {
      await rejectedWithoutWrites(
        postSigned(testApp, INCOMING, inboundPairs(), { signedUrl: `http://localhost${STATUS}` }),
        'Invalid Twilio signature',
      )
      await rejectedWithoutWrites(
        postSigned(testApp, `${INCOMING}?a=1`, inboundPairs(), { signedUrl: `http://localhost${INCOMING}?a=2` }),
        'Invalid Twilio signature',
      )
      await rejectedWithoutWrites(
        postSigned(testApp, `${INCOMING}?a=1`, inboundPairs(), { signedUrl: `http://localhost${INCOMING}` }),
        'Invalid Twilio signature',
      )
    })

    test('a signature for another non-default port', async () => {
      const response = postSigned(testApp, INCOMING, inboundPairs(), {
        signedUrl: `https://crm.example.com:8443${INCOMING}`,
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'crm.example.com' },
      })
      await rejectedWithoutWrites(response, 'Invalid Twilio signature')
    })

    test('an unsupported algorithm in the settings header', async () => {
      const response = postSigned(testApp, INCOMING, inboundPairs(), {
        headers: { 'x-twilio-webhooks-signature-settings': 'algorithm=MD5' },
      })
      await rejectedWithoutWrites(response, 'Signature validation error')
    })

    test('a failure is logged as a warning with the IP and path, never the token or signature; audited; counted', async () => {
      const pairs = inboundPairs()
      const signature = sign(`https://elsewhere.example${INCOMING}`, pairs)
      const from = testApp.logs.lines.length
      const response = await postSigned(testApp, INCOMING, pairs, { signature, headers: { 'x-forwarded-for': '203.0.113.77' } })
      await expectRejected(response, 'Invalid Twilio signature')
      const lines = testApp.logs.lines.slice(from)
      const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.level === 'warn')
      expect(warning).toBeDefined()
      const text = JSON.stringify(warning)
      expect(text).toContain('signature')
      expect(text).toContain('203.0.113.77')
      expect(text).toContain(INCOMING)
      const all = lines.join('')
      expect(all).not.toContain(AUTH_TOKEN)
      expect(all).not.toContain(signature)
      expect(all).not.toContain('Hello there')

      const { auditLog } = testApp.database.tables
      const audits = await testApp.database.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.signature_failed'))
      const mine = audits.find((a) => a.ip === '203.0.113.77')
      expect(mine?.target).toBe(INCOMING)
      expect(JSON.stringify(mine)).not.toContain(signature)
      expect(await testApp.ctx.metrics.render()).toMatch(/crm_webhook_signature_failures_total\{reason="invalid"\} [1-9]/)
    })
  })

  describe('malformed requests get 4xx, never 500, and store nothing', () => {
    async function malformed(body: string, headers: Record<string, string>, signedPairs: Pairs = []) {
      const before = await communicationCount(testApp)
      const response = await postSigned(testApp, INCOMING, signedPairs, { body, headers })
      expect(response.status).toBeGreaterThanOrEqual(400)
      expect(response.status).toBeLessThan(500)
      expect(typeof (await errorBody(response)).detail).toBe('string')
      expect(await communicationCount(testApp)).toBe(before)
      return response
    }

    test('bad percent-encoding is a validation error', async () => {
      const response = await malformed('MessageSid=SM1&Body=%zz&From=%E0%A4%A', {})
      expect(response.status).toBe(403)
    })

    test('a JSON body is not a Twilio form', async () => {
      const pairs = inboundPairs()
      const response = await malformed(JSON.stringify(Object.fromEntries(pairs)), { 'content-type': 'application/json' }, pairs)
      expect(response.status).toBe(403)
    })

    test('a form body without a Content-Type', async () => {
      await malformed(formBody(inboundPairs()), { 'content-type': '' })
    })

    test('an empty body, signed: identifiers are checked after the signature (400)', async () => {
      const response = await malformed('', {})
      expect(response.status).toBe(400)
    })

    test('an empty body, unsigned: 403', async () => {
      const response = await postSigned(testApp, INCOMING, [], { body: '', signature: null })
      await expectRejected(response, 'Missing Twilio signature')
    })

    test('a body over MAX_BODY_BYTES is 413', async () => {
      const huge = `MessageSid=SM1&Body=${'x'.repeat(1_100_000)}`
      const before = await communicationCount(testApp)
      const response = await postSigned(testApp, INCOMING, [], { body: huge, headers: { 'content-length': String(huge.length) } })
      expect(response.status).toBe(413)
      const chunked = await testApp.app.handle(
        new Request(`http://localhost${INCOMING}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'abc' },
          body: new Blob([huge]).stream(),
        }),
      )
      expect(chunked.status).toBe(413)
      expect(await communicationCount(testApp)).toBe(before)
    })

    test('a signed request missing From gets 422 naming it', async () => {
      const pairs = inboundPairs().filter(([k]) => k !== 'From')
      const response = await postSigned(testApp, INCOMING, pairs)
      expect(response.status).toBe(422)
      expect((await errorFields(response))[0]).toBe('From')
    })
  })
})

describeEachDialect('Twilio webhook signature with PUBLIC_URL', (dialect) => {
  const testApp = useTestApp(dialect, { env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_URL: 'https://crm.example.org/' } })

  test('the signed URL is PUBLIC_URL + path + query; Host and X-Forwarded-* are ignored', async () => {
    const path = `${INCOMING}?x=1`
    const response = await postSigned(testApp, path, inboundPairs(), {
      signedUrl: `https://crm.example.org${path}`,
      headers: { host: 'attacker.example', 'x-forwarded-host': 'other.example', 'x-forwarded-proto': 'http' },
    })
    await expectAccepted(response)
  })

  test('with :443 added by Twilio', async () => {
    await expectAccepted(await postSigned(testApp, INCOMING, inboundPairs(), { signedUrl: `https://crm.example.org:443${INCOMING}` }))
  })

  test('a signature for the Host header instead is rejected', async () => {
    const response = await postSigned(testApp, INCOMING, inboundPairs(), {
      signedUrl: `http://localhost${INCOMING}`,
      headers: { host: 'localhost' },
    })
    await expectRejected(response, 'Invalid Twilio signature')
  })
})

describeEachDialect('Twilio webhook signature without TWILIO_AUTH_TOKEN', (dialect) => {
  const testApp = useTestApp(dialect)

  test('every signed request is refused with "Signature validation error", nothing stored', async () => {
    for (const path of [INCOMING, STATUS]) {
      const before = await communicationCount(testApp)
      const response = await postSigned(testApp, path, inboundPairs())
      await expectRejected(response, 'Signature validation error')
      expect(await communicationCount(testApp)).toBe(before)
    }
  })

  test('a missing header is still reported as missing', async () => {
    await expectRejected(await postSigned(testApp, INCOMING, inboundPairs(), { signature: null }), 'Missing Twilio signature')
  })
})

describe('form parsing and URL rebuilding agree with the twilio package', () => {
  test('parseTwilioForm gives validateRequest the shape getExpectedTwilioSignature signs', () => {
    const cases: Pairs[] = [
      [],
      [['A', '1']],
      [
        ['B', 'x'],
        ['A', 'y'],
        ['B', 'w'],
        ['B', 'x'],
      ],
      [
        ['Body', 'a+b c%d&e=f'],
        ['名前', '値 ✓'],
        ['__proto__', 'p'],
        ['constructor', 'c'],
      ],
      [
        ['Empty', ''],
        ['NoValue', ''],
      ],
    ]
    for (const pairs of cases) {
      const parsed = parseTwilioForm(formBody(pairs))
      const url = 'https://example.com/webhooks/twilio/incoming?q=1'
      const expected = sign(url, pairs)
      expect(twilio.validateRequest(AUTH_TOKEN, expected, url, parsed)).toBe(true)
      expect({ ...parsed }).toEqual(signingParams(pairs))
    }
  })

  test('a name without "=" is an empty value, like URLSearchParams', () => {
    expect({ ...parseTwilioForm('A&B=1&&') }).toEqual({ A: '', B: '1' })
  })

  test('signedUrl: PUBLIC_URL, forwarded headers, Host, request URL', () => {
    const req = (headers: Record<string, string>) =>
      new Request('http://127.0.0.1:8000/webhooks/twilio/status?a=%27b%27', { method: 'POST', headers })
    expect(signedUrl(req({}), undefined)).toBe('http://127.0.0.1:8000/webhooks/twilio/status?a=%27b%27')
    expect(signedUrl(req({ host: 'crm.local:8080' }), undefined)).toBe('http://crm.local:8080/webhooks/twilio/status?a=%27b%27')
    expect(signedUrl(req({ host: 'h', 'x-forwarded-proto': 'HTTPS , http' }), undefined)).toBe('https://h/webhooks/twilio/status?a=%27b%27')
    expect(signedUrl(req({ host: 'h', 'x-forwarded-host': ' a.example , b' }), undefined)).toBe(
      'http://a.example/webhooks/twilio/status?a=%27b%27',
    )
    expect(signedUrl(req({ host: 'h', 'x-forwarded-proto': 'gopher' }), undefined)).toBe('http://h/webhooks/twilio/status?a=%27b%27')
    expect(signedUrl(req({ host: 'h' }), 'https://pub.example/crm')).toBe('https://pub.example/crm/webhooks/twilio/status?a=%27b%27')
  })
})
