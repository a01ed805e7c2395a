// The formats of the variables that are more than a number, a word or a URL.
import { join, resolve } from 'node:path'
import { CUSTOMER_FIELD_NAMES, EXTRA_FIELD_NAME, EXTRA_FIELDS_MAX } from '../customers/fields'
import type { Config, DatabaseTarget } from './settings'
import { ConfigError, listOf } from './variable'

export function databaseTarget(raw: string | undefined, dataDir: string): DatabaseTarget {
  if (raw === undefined) return { kind: 'sqlite', path: join(dataDir, 'crm.db') }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw)
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL', 'DATABASE_URL')
    }
    return { kind: 'postgres', url: raw }
  }
  for (const prefix of ['sqlite://', 'sqlite:', 'file://', 'file:']) {
    if (raw.startsWith(prefix)) {
      const path = raw.slice(prefix.length)
      if (path === '') break
      return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(path) }
    }
  }
  throw new ConfigError('DATABASE_URL must start with sqlite:, file:, postgres:// or postgresql://', 'DATABASE_URL')
}

const ROLE_NAMES = ['user', 'admin', 'superuser'] as const

export function roleList(raw: string | undefined, name: string): Config['requireTwoFactorFor'] {
  const roles = listOf(raw).map((role) => role.toLowerCase())
  for (const role of roles) {
    if (!(ROLE_NAMES as readonly string[]).includes(role))
      throw new ConfigError(`${name} must list roles among ${ROLE_NAMES.join(', ')}, got "${role}"`, name)
  }
  return [...new Set(roles)] as Config['requireTwoFactorFor']
}

export function resetPath(raw: string | undefined, fallback: string): string {
  const path = raw ?? fallback
  if (!/^\/[A-Za-z0-9\-._~/%!$&'()*+,;=:@]*$/.test(path) || path.startsWith('//')) {
    throw new ConfigError(`PASSWORD_RESET_PATH must be a path starting with / (no query or fragment), got "${path}"`, 'PASSWORD_RESET_PATH')
  }
  return path
}

export function origins(raw: string): string[] {
  return listOf(raw).map((o) => {
    if (o === '*') return o
    try {
      return new URL(o).origin
    } catch {
      throw new ConfigError(`FRONTEND_URL must list origins like https://app.example.com, got "${o}"`, 'FRONTEND_URL')
    }
  })
}

/** Comma-separated snake_case names, none of them a field customers already have. */
export function extraFieldNames(raw: string | undefined): string[] {
  const names = [...new Set(listOf(raw))]
  for (const name of names) {
    if (!EXTRA_FIELD_NAME.test(name))
      throw new ConfigError(
        `CUSTOMER_EXTRA_FIELDS: "${name}" must be lower-case letters, digits and _ (at most 63, starting with a letter)`,
        'CUSTOMER_EXTRA_FIELDS',
      )
    if ((CUSTOMER_FIELD_NAMES as readonly string[]).includes(name))
      throw new ConfigError(`CUSTOMER_EXTRA_FIELDS: "${name}" is already a customer field`, 'CUSTOMER_EXTRA_FIELDS')
  }
  if (names.length > EXTRA_FIELDS_MAX)
    throw new ConfigError(`CUSTOMER_EXTRA_FIELDS names at most ${EXTRA_FIELDS_MAX} fields`, 'CUSTOMER_EXTRA_FIELDS')
  return names
}

/** A number of trusted proxy hops; `true` means one, `false` none. */
export function trustProxyHops(raw: string | undefined): number {
  const value = raw?.toLowerCase()
  if (value === undefined || ['0', 'false', 'no', 'off'].includes(value)) return 0
  if (['true', 'yes', 'on'].includes(value)) return 1
  if (!/^\d{1,2}$/.test(value))
    throw new ConfigError(`TRUST_PROXY must be true, false or a number of proxy hops, got "${value}"`, 'TRUST_PROXY')
  return Number(value)
}

/** A comma-separated list of HTTP header names (RFC 9110 tokens). */
export function headerNames(raw: string | undefined, name: string): string[] {
  const names = listOf(raw)
  for (const header of names) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(header))
      throw new ConfigError(`${name} must list header names like X-Tenant-ID, got "${header}"`, name)
  }
  return names
}
