import { MIN_STRENGTH_SCORE, passwordStrength } from './password-strength'

/** argon2id through Bun.password, at Bun's default cost, stated here so the dummy hash below always matches it. */
const ARGON2 = { algorithm: 'argon2id', memoryCost: 65_536, timeCost: 2 } as const

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, ARGON2)
}

/**
 * What an unknown email is checked against, so it costs what a wrong password
 * costs. Verifying spends the cost its header states whatever the salt and
 * digest (these are of a random password nobody kept), so a constant serves:
 * no server start hashes 64 MiB for it.
 */
export const DUMMY_PASSWORD_HASH = `$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=1$9wIqPpELzQuaiAGRyIyYT2Hi6nzQNUjLzkfTn+2s9oM$nlwGZsK/EZEm6pybbiZUeLNS/q1rnevI7B6DrfYg3aE`

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await Bun.password.verify(password, hash)
  } catch {
    return false
  }
}

/** ASVS 2.1.1. Applies when a password is set; existing passwords stay valid until changed. */
const MIN_PASSWORD_LENGTH = 12
const MAX_PASSWORD_LENGTH = 1024

export const PASSWORD_RULES = {
  tooShort: `Password must be at least ${MIN_PASSWORD_LENGTH} characters`,
  tooLong: `Password must be at most ${MAX_PASSWORD_LENGTH} characters`,
  personal: 'Password must not contain your email address or name',
  guessable: 'Password is too common or too easy to guess',
} as const

/** Whose password it is: the words an attacker tries first. */
export interface PasswordOwner {
  email: string
  names?: (string | null | undefined)[]
}

/** Words of three or more letters or digits: "Anne-Marie O'Neil" → anne, marie, neil. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= 3)
}

function personalWords(owner: Required<PasswordOwner>): string[] {
  const email = owner.email.trim().toLowerCase()
  const local = email.slice(0, Math.max(0, email.lastIndexOf('@')))
  const found = new Set<string>([email, ...(local.length >= 3 ? [local] : []), ...owner.names.flatMap((name) => words(name ?? ''))])
  return [...found].filter(Boolean)
}

/** Why a new password is unacceptable, or undefined; the message names the rule. */
export async function passwordProblem(password: string, owner: PasswordOwner): Promise<string | undefined> {
  const length = [...password].length
  if (length < MIN_PASSWORD_LENGTH) return PASSWORD_RULES.tooShort
  if (password.length > MAX_PASSWORD_LENGTH) return PASSWORD_RULES.tooLong
  const personal = personalWords({ email: owner.email, names: owner.names ?? [] })
  const folded = password.toLowerCase()
  if (personal.some((word) => folded.includes(word))) return PASSWORD_RULES.personal
  if ((await passwordStrength(password, personal)) < MIN_STRENGTH_SCORE) return PASSWORD_RULES.guessable
  return undefined
}
