import { describe, expect, test } from 'bun:test'
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'
import { toE164 } from '../../src/phone/normalize'

/** libphonenumber's answer, as toE164 had it before any shortcut. */
function parsed(input: string, country: string): string | undefined {
  const number = parsePhoneNumberFromString(input, country as CountryCode)
  if (!number || !(number.isValid() || number.isPossible())) return undefined
  if (number.countryCallingCode === '1' && !/^\+1[2-9]\d{9}$/.test(number.number)) return undefined
  return number.number
}

describe('toE164', () => {
  test('NANP numbers already in E.164 come back as libphonenumber gives them, for every area code and default country', () => {
    const digits = (seed: number, length: number) => String((seed * 7_919 + 104_729) % 10 ** length).padStart(length, '0')
    for (let area = 200; area <= 999; area++) {
      for (const [i, country] of ['US', 'CA', 'GB', 'DE'].entries()) {
        const input = `+1${area}${digits(area + i, 7)}`
        expect(toE164(input, country)).toBe(parsed(input, country) as string)
        expect(toE164(input, country)).toBe(input)
      }
    }
  })

  test('other shapes still go through libphonenumber', () => {
    expect(toE164('(415) 555-2671', 'US')).toBe('+14155552671')
    expect(toE164(' +14155552671 ', 'US')).toBe('+14155552671')
    expect(toE164('+11155552671', 'US')).toBeUndefined()
    expect(toE164('+10155552671', 'US')).toBeUndefined()
    expect(toE164('+141555526710', 'US')).toBeUndefined()
    expect(toE164('020 7946 0958', 'GB')).toBe('+442079460958')
    expect(toE164('not a number', 'US')).toBeUndefined()
  })
})
