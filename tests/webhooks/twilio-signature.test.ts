import { describe, expect, test } from 'bun:test'
import { parse, stringify } from 'node:querystring'
import { getExpectedTwilioSignature, getSignatureAlgorithm, validateRequest } from 'twilio/lib/webhooks/webhooks'
import { HMAC_SHA1, HMAC_SHA256, signatureAlgorithm, validTwilioSignature } from '../../src/webhooks/twilio-signature'
import type { TwilioParams } from '../../src/webhooks/form'

/** Our check and the `twilio` package's validateRequest (the oracle) give the same answer, throwing alike. */
function expectSameAnswer(token: string, signature: string, url: string, params: TwilioParams, algorithm: string) {
  const outcome = (check: () => boolean) => {
    try {
      return check()
    } catch {
      return 'throws'
    }
  }
  const ours = outcome(() => validTwilioSignature(token, signature, url, params, algorithm))
  const theirs = outcome(() => validateRequest(token, signature, url, params, algorithm))
  expect({ url, params, signature, algorithm, answer: ours }).toEqual({ url, params, signature, algorithm, answer: theirs })
  return ours
}

describe('Twilio’s published vectors', () => {
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' }
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2'

  test('the documentation example', () => {
    expect(validTwilioSignature('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params, HMAC_SHA1)).toBe(true)
    expect(validTwilioSignature('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, { ...params, Digits: '9999' }, HMAC_SHA1)).toBe(false)
    expect(validTwilioSignature('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', `${url}&x=1`, params, HMAC_SHA1)).toBe(false)
    expect(validTwilioSignature('54321', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params, HMAC_SHA1)).toBe(false)
  })

  // The cases of the package's own webhook tests: [signed URL, requested URL, valid].
  const cases: [string, string, boolean][] = [
    ['https://example.com/path?test=param', 'https://example.com/path?test=param2', false],
    ['https://example.com:443/path?test=param', 'https://example.com:443/path?test=param', true],
    ['https://example.com:443/path?test=param', 'https://example.com/path?test=param', true],
    ['https://example.com/path?test=param', 'https://example.com/path?test=param', true],
    ['https://example.com/path?test=param', 'https://example.com:443/path?test=param', true],
    ["https://example.com/path?test=param'WithQuote", "https://example.com/path?test=param'WithQuote", true],
    ["https://example.com/path?test=param'WithQuote", 'https://example.com/path?test=param%27WithQuote', true],
    ['https://example.com/path?test=param%27WithQuote', "https://example.com/path?test=param'WithQuote", true],
    ['https://example.com/path?test=param%27WithQuote', 'https://example.com/path?test=param%27WithQuote', true],
  ]
  test.each(cases)('signed for %s, requested as %s: %p', (signed, requested, valid) => {
    for (const algorithm of [HMAC_SHA1, HMAC_SHA256]) {
      const signature = getExpectedTwilioSignature('s3cr3t', signed, {}, algorithm)
      expect(expectSameAnswer('s3cr3t', signature, requested, {}, algorithm)).toBe(valid)
    }
  })
})

describe('the settings header names the algorithm as the package reads it', () => {
  const headers = [
    null,
    '',
    'key=webhooks_sharedkey_1,algorithm=HMAC_SHA256',
    'algorithm=HMAC_SHA1',
    ' algorithm = HMAC_SHA256 , key=x',
    'key=x',
    'algorithm=',
    'algorithm=,algorithm=HMAC_SHA256',
    'algorithm=hmac_sha256',
    'algorithm=MD5',
    'algorithm',
    'x=1,,algorithm==HMAC_SHA1',
  ]
  test.each(headers)('%p', (header) => {
    expect(signatureAlgorithm(header)).toBe(getSignatureAlgorithm(header ?? undefined))
  })
})

/** A small deterministic generator (mulberry32), so a failure names a case that stays the same. */
function random(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let x = state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  return { next, pick }
}

const SCHEMES = ['https://', 'http://', 'HTTPS://', 'Http://']
const HOSTS = [
  'crm.example.com',
  'CRM.Example.com',
  '127.0.0.1',
  '[::1]',
  '[2001:db8::1]',
  'user:pw@crm.example.com',
  'xn--bcher-kva.example',
  'bücher.example',
]
const PORTS = ['', '', ':443', ':80', ':8443', ':3000', ':']
const PATHS = ['/webhooks/twilio/incoming', '/webhooks/twilio/status', '/', '', '/a b/ü', "/it's/%7Euser", '/p%2Fq']
const QUERIES = [
  '',
  '',
  '?',
  '?a=1',
  '?a=1&b=2',
  "?q=it's",
  '?q=%27x%27',
  '?q=a+b&q=c%20d',
  '?q=ü&r=€',
  '?x=%zz',
  '?k',
  '?a=1#frag',
  '#only',
]
const TEXTS = [
  '',
  'hello',
  'STOP',
  'a+b',
  'x=y&z',
  'ü',
  '€ 10',
  '😀',
  'line\nbreak',
  ' spaced ',
  '%41',
  "it's",
  '\u0000',
  '+14155550100',
  '\ud800x',
]
const NAMES = ['Body', 'From', 'To', 'MessageSid', 'MediaUrl0', 'NumMedia', 'a', 'B', 'ü', '__proto__', 'constructor', '']

function generatedParams(r: ReturnType<typeof random>): TwilioParams {
  const params: TwilioParams = Object.create(null)
  const count = Math.floor(r.next() * 6)
  for (let i = 0; i < count; i++) {
    const name = r.pick(NAMES)
    const value = r.pick(TEXTS)
    const existing = params[name]
    if (existing === undefined) params[name] = value
    else if (Array.isArray(existing)) existing.push(value)
    else params[name] = [existing, value]
  }
  return params
}

/** Some form of the URL Twilio may have signed: as given, with or without its default port, normalised, re-encoded. */
function signedForm(url: string, withDefaultPort: string, r: ReturnType<typeof random>): string {
  const variants = [url, withDefaultPort, url.replace(/:(443|80)(?=[/?#]|$)/, '')]
  try {
    const normalised = new URL(url).toString()
    const ported = new URL(withDefaultPort)
      .toString()
      .replace(/^(\w+:\/\/[^/]*?)(?<!:\d+)(?=\/)/, `$1${url.toLowerCase().startsWith('https') ? ':443' : ':80'}`)
    const legacy = (u: string) => (u.includes('?') ? `${u.slice(0, u.indexOf('?'))}?${stringify(parse(u.slice(u.indexOf('?') + 1)))}` : u)
    variants.push(
      normalised,
      normalised.replace(/:(443|80)(?=[/?#]|$)/, ''),
      normalised.replace(/'/g, '%27'),
      ported,
      legacy(normalised),
      legacy(ported),
    )
  } catch {
    // The URL as received is all there is.
  }
  return r.pick(variants)
}

describe('generated requests: our check answers as the package does', () => {
  const r = random(20261202)
  const cases = Array.from({ length: 400 }, (_, i) => {
    const [scheme, host, rest] = [r.pick(SCHEMES), r.pick(HOSTS), r.pick(PATHS) + r.pick(QUERIES)]
    const url = scheme + host + r.pick(PORTS) + rest
    const withDefaultPort = scheme + host + (scheme.toLowerCase() === 'https://' ? ':443' : ':80') + rest
    const params = generatedParams(r)
    const algorithm = r.next() < 0.8 ? HMAC_SHA1 : HMAC_SHA256
    const token = r.pick(['test-token', 'bench-twilio-auth-token-0123456789abcdef', 'ü-token'])
    const kind = r.pick(['signed', 'signed', 'other-params', 'other-token', 'garbage', 'other-algorithm'] as const)
    let signature: string
    if (kind === 'signed') signature = getExpectedTwilioSignature(token, signedForm(url, withDefaultPort, r), params, algorithm)
    else if (kind === 'other-params') signature = getExpectedTwilioSignature(token, url, { ...params, Extra: 'x' }, algorithm)
    else if (kind === 'other-token') signature = getExpectedTwilioSignature(`${token}x`, url, params, algorithm)
    else if (kind === 'other-algorithm')
      signature = getExpectedTwilioSignature(token, url, params, algorithm === HMAC_SHA1 ? HMAC_SHA256 : HMAC_SHA1)
    else signature = r.pick(['', 'bm90IGEgc2lnbmF0dXJl', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'ü'])
    return { i, url, params, algorithm, token, signature }
  })

  test('400 cases, both valid and invalid among them', () => {
    const answers = cases.map((c) => expectSameAnswer(c.token, c.signature, c.url, c.params, c.algorithm))
    expect(answers.filter((a) => a === true).length).toBeGreaterThan(100)
    expect(answers.filter((a) => a === false).length).toBeGreaterThan(100)
  })
})
