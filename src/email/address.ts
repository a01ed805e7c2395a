import { domainToASCII } from 'node:url'

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/**
 * Why an address is not accepted, or undefined when it is. The one rule for
 * every address the server stores or sends to (customers, users, recipients):
 * plain `local@domain.tld` with an ASCII local part (internationalised domains
 * are accepted and sent in their xn-- form) — no display names, comments or
 * quoted local parts, so nothing can smuggle extra recipients or header lines
 * into the envelope, and an address accepted on a record is one the sender can use.
 */
export function emailAddressProblem(input: string): string | undefined {
  const value = input.trim()
  if (value.length === 0) return 'Invalid email address: it is empty'
  if (value.length > 254) return 'Invalid email address: it is longer than 254 characters'
  const at = value.lastIndexOf('@')
  if (at <= 0 || at !== value.indexOf('@')) return 'Invalid email address: it needs exactly one @ with a name before it'
  const local = value.slice(0, at)
  const domain = asciiDomain(value.slice(at + 1))
  if (domain === undefined) return 'Invalid email address: the domain is not a valid internationalised domain name'
  if (local.length > 64) return 'Invalid email address: the part before @ is longer than 64 characters'
  if (!LOCAL_PART.test(local)) return "Invalid email address: the part before @ may only use ASCII letters, digits and !#$%&'*+/=?^_`{|}~.-"
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return 'Invalid email address: the part before @ cannot start or end with a dot or contain two dots in a row'
  const labels = domain.split('.')
  if (labels.length < 2) return 'Invalid email address: the domain needs a dot (name.tld)'
  if (!labels.every((label) => DOMAIN_LABEL.test(label)))
    return 'Invalid email address: each part of the domain uses letters, digits and inner hyphens, at most 63 characters'
  const tld = labels.at(-1) ?? ''
  if (!/^[A-Za-z]{2,63}$/.test(tld) && !/^xn--[A-Za-z0-9-]+$/.test(tld))
    return 'Invalid email address: the top-level domain must be letters only'
  return undefined
}

/** A non-ASCII domain in its xn-- form (which every SMTP server understands); undefined when it has none. */
function asciiDomain(domain: string): string | undefined {
  if (/^[\x20-\x7e]*$/.test(domain)) return domain
  const ascii = domainToASCII(domain)
  return ascii === '' ? undefined : ascii
}

/** The address as it goes on the wire: trimmed, the domain lower-cased in ASCII; undefined when emailAddressProblem refuses it. */
export function normalizeEmailAddress(input: string): string | undefined {
  if (emailAddressProblem(input)) return undefined
  const value = input.trim()
  const at = value.indexOf('@')
  const domain = asciiDomain(value.slice(at + 1))
  return domain === undefined ? undefined : `${value.slice(0, at)}@${domain.toLowerCase()}`
}
