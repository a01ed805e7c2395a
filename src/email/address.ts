const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/**
 * A deliverable-looking address (`local@domain.tld`), trimmed; undefined when
 * not. Deliberately plain: no display names, comments or quoted local parts,
 * so nothing can smuggle extra recipients or header lines into the envelope.
 */
export function normalizeEmailAddress(input: string): string | undefined {
  const value = input.trim()
  if (value.length === 0 || value.length > 254) return undefined
  const at = value.lastIndexOf('@')
  if (at <= 0 || at !== value.indexOf('@')) return undefined
  const local = value.slice(0, at)
  const domain = value.slice(at + 1)
  if (local.length > 64 || !LOCAL_PART.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return undefined
  const labels = domain.split('.')
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return undefined
  if (!/^[A-Za-z]{2,63}$/.test(labels.at(-1)!) && !/^xn--[A-Za-z0-9-]+$/.test(labels.at(-1)!)) return undefined
  return `${local}@${domain.toLowerCase()}`
}
