import { and, count, eq, isNull } from 'drizzle-orm'
import { createHash, randomInt } from 'node:crypto'
import type { Database } from '../../db/client'

const RECOVERY_CODE_COUNT = 10
// No 0/o, 1/l/i: codes are read off paper.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

/** "xxxxx-xxxxx": 10 characters of a 31-letter alphabet, about 49 bits, single use. */
function newCode(): string {
  let code = ''
  for (let i = 0; i < 10; i++) code += ALPHABET[randomInt(ALPHABET.length)]
  return `${code.slice(0, 5)}-${code.slice(5)}`
}

/** Accepts the code with any case, spaces or without the dash. */
function normalizeRecoveryCode(input: string): string | undefined {
  const bare = input.toLowerCase().replace(/[\s-]/g, '')
  if (bare.length !== 10 || [...bare].some((c) => !ALPHABET.includes(c))) return undefined
  return `${bare.slice(0, 5)}-${bare.slice(5)}`
}

// Random, high-entropy and single use, throttled with the login: a plain SHA-256 is enough (no slow hash needed).
function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex')
}

export class RecoveryCodes {
  constructor(private readonly database: Database) {}

  /** Replaces the user's codes with a new set; the plain codes are returned once and never stored. */
  async replace(userId: number): Promise<string[]> {
    const { recoveryCodes } = this.database.tables
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode)
    await this.database.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId))
    await this.database.db.insert(recoveryCodes).values(codes.map((code) => ({ userId, codeHash: hashCode(code), createdAt: new Date() })))
    return codes
  }

  /** Marks a code used, in one conditional UPDATE: two concurrent uses cannot both win. */
  async consume(userId: number, input: string): Promise<boolean> {
    const code = normalizeRecoveryCode(input)
    if (!code) return false
    const { recoveryCodes } = this.database.tables
    const used = await this.database.db
      .update(recoveryCodes)
      .set({ usedAt: new Date() })
      .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, hashCode(code)), isNull(recoveryCodes.usedAt)))
      .returning({ id: recoveryCodes.id })
    return used.length === 1
  }

  async remaining(userId: number): Promise<number> {
    const { recoveryCodes } = this.database.tables
    const [row] = await this.database.db
      .select({ value: count() })
      .from(recoveryCodes)
      .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    return row?.value ?? 0
  }

  async clear(userId: number): Promise<void> {
    const { recoveryCodes } = this.database.tables
    await this.database.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId))
  }
}
