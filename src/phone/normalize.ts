import type { CountryCode } from 'libphonenumber-js'
import { loadOnFirstUse } from '../load-on-first-use'
import { Recent } from '../recent'

/**
 * The one phone normaliser: customers, SMS sending, opt-outs and inbound
 * webhooks all match on its E.164 output. Returns undefined when invalid.
 *
 * "Valid" means a possible number for its country (right length), not a
 * number in an assigned range: offices keep fictional 555 numbers and newly
 * opened ranges that stale metadata would reject. NANP area codes cannot
 * start with 0 or 1, which rules out obvious junk such as 0000000000.
 */
export function toE164(input: string, defaultCountry: string): string | undefined {
  // What Twilio sends and what we store: libphonenumber returns such a number unchanged whatever the
  // default country (tests/phone/normalize.test.ts holds the two equal), and parsing it costs tens of µs.
  if (NANP_E164.test(input)) return input
  // Parsing costs tens of microseconds and the same numbers come back all day (senders, our own):
  // a bounded memo of recent answers (a pure function of its two inputs).
  const key = `${defaultCountry}|${input}`
  const known = recent.get(key)
  if (known !== undefined) return known === '' ? undefined : known
  const result = parse(input, defaultCountry)
  recent.set(key, result ?? '')
  return result
}

/** A NANP number in E.164: +1, an area code that cannot start with 0 or 1, seven more digits. */
const NANP_E164 = /^\+1[2-9]\d{9}$/

const recent = new Recent<string, string>(10_000)

/** libphonenumber-js and its metadata (a large object graph) are loaded on the first number parsed. */
const libphonenumber = loadOnFirstUse(() => require('libphonenumber-js') as typeof import('libphonenumber-js'))

function parse(input: string, defaultCountry: string): string | undefined {
  const trimmed = input.trim()
  if (trimmed === '' || trimmed.length > 40) return undefined
  if (!/^\+?[\d\s().\-/]+$/.test(trimmed)) return undefined
  const parsed = libphonenumber().parsePhoneNumberFromString(trimmed, defaultCountry as CountryCode)
  if (!parsed || !(parsed.isValid() || parsed.isPossible())) return undefined
  if (parsed.countryCallingCode === '1' && !NANP_E164.test(parsed.number)) return undefined
  return parsed.number
}
