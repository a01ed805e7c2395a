import type { Config } from './settings'

export type Env = Record<string, string | undefined>

/** A configuration problem that must stop start-up with one clear line, which starts with the variable's name. */
export class ConfigError extends Error {
  constructor(
    message: string,
    /** The variable at fault, when one is (`crm-api check` reports each on its own line). */
    readonly variable?: string,
  ) {
    super(message)
  }
}

/** What a parser knows besides the variable's text. */
export interface ReadContext {
  name: string
  env: Env
  /** False for read-only commands: no development key is written to disk. */
  ensureSecret: boolean
}

/** A state `crm-api check` reports: `when` is docs/operations.md's description, `message` the line check prints (undefined: it does not hold). */
interface Condition {
  when: string
  message: (config: Config, env: Env) => string | undefined
}

/** What production asks of a variable: `crm-api check`'s item for it, and start-up's warning. */
type ProductionRule =
  | {
      fails?: Condition
      warns?: Condition
      /** The line when neither condition holds. */
      ok: (config: Config, env: Env) => string
      /** Logged at production start-up (which stops only on malformed values). */
      startupWarning?: (config: Config) => string | undefined
    }
  | {
      /** Needs the disk or the database server: `crm-api check` probes it itself. */
      probe: true
      fails: { when: string }
    }

export interface Variable<N extends string = string, T = unknown> {
  name: N
  /** Turns the value (undefined when unset or blank) into the setting, or throws a ConfigError naming the variable. */
  parse: (raw: string | undefined, context: ReadContext) => T
  /** The default, as the README shows it. */
  default: string
  /** The README's description. */
  doc: string
  /** Used byte for byte: not trimmed. */
  verbatim?: true
  /** A credential: the deploy files leave it blank for the operator to fill in. */
  secret?: true
  production?: ProductionRule
}

/** Keeps the variable's name and value type, so the table's values are typed by name. */
export function variable<const N extends string, T>(spec: Variable<N, T>): Variable<N, T> {
  return spec
}

/** The variable's text as its parser receives it. */
export function rawValue(variable: Variable, env: Env): string | undefined {
  const value = env[variable.name]
  if (variable.verbatim) return value || undefined
  const trimmed = value?.trim()
  return trimmed === '' ? undefined : trimmed
}

/** Another variable's value, for a default or rule that depends on it; reading is pure, so reading twice is harmless. */
export function readValue<T>(variable: Variable<string, T>, context: ReadContext): T {
  return variable.parse(rawValue(variable, context.env), { ...context, name: variable.name })
}

type Parser<T> = Pick<Variable<string, T>, 'parse' | 'default'>

const code = (value: string | number) => `\`${value}\``

export function text(fallback?: string): Parser<string | undefined> {
  return { default: fallback === undefined ? 'unset' : code(fallback), parse: (raw) => raw ?? fallback }
}

export function integer(fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> {
  return {
    default: code(fallback),
    parse(raw, { name }) {
      if (raw === undefined) return fallback
      if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`, name)
      const value = Number(raw)
      if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`, name)
      return value
    },
  }
}

export function boolean(raw: string | undefined, fallback: boolean, name: string): boolean {
  const value = raw?.toLowerCase()
  if (value === undefined) return fallback
  if (['1', 'true', 'yes', 'on'].includes(value)) return true
  if (['0', 'false', 'no', 'off'].includes(value)) return false
  throw new ConfigError(`${name} must be true or false, got "${value}"`, name)
}

/** A URL with one of the protocols (`http:`), or undefined when unset. */
export function url(protocols: string[]): Parser<string | undefined> {
  return {
    default: 'unset',
    parse(raw, { name }) {
      if (raw === undefined) return undefined
      let parsed: URL
      try {
        parsed = new URL(raw)
      } catch {
        throw new ConfigError(`${name} must be a URL, got "${raw}"`, name)
      }
      if (!protocols.includes(parsed.protocol)) {
        throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`, name)
      }
      return raw
    },
  }
}

/** One of a few words, in any case. */
export function oneOf<const W extends string>(
  words: readonly W[],
  fallback: W,
  problem: (name: string, value: string) => string,
): Parser<W> {
  return {
    default: code(fallback),
    parse(raw, { name }) {
      const value = (raw ?? fallback).toLowerCase()
      const word = words.find((w) => w === value)
      if (word === undefined) throw new ConfigError(problem(name, value), name)
      return word
    },
  }
}

/** The comma-separated entries, trimmed, blanks dropped. */
export function listOf(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
}
