import { and, eq, gt, isNull } from 'drizzle-orm'
import { createHash, randomBytes } from 'node:crypto'
import type { Database } from '../db/client'

export const RESET_TOKEN_TTL_MS = 30 * 60_000

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/**
 * Password reset tokens: 32 random bytes, stored as SHA-256, single use,
 * 30 minutes. Issuing one ends the earlier ones, and any password change
 * ends them all (UserService.setPassword, admin and CLI changes).
 */
export class ResetTokens {
  constructor(private readonly database: Database) {}

  async issue(userId: number): Promise<string> {
    const { passwordResetTokens } = this.database.tables
    await this.revokeAll(userId)
    const token = randomBytes(32).toString('base64url')
    const now = Date.now()
    await this.database.db
      .insert(passwordResetTokens)
      .values({ tokenHash: hashToken(token), userId, createdAt: new Date(now), expiresAt: new Date(now + RESET_TOKEN_TTL_MS) })
    return token
  }

  /** Whose live token this is, without using it up. */
  async find(token: string): Promise<number | undefined> {
    if (token.length === 0 || token.length > 256) return undefined
    const { passwordResetTokens } = this.database.tables
    const [row] = await this.database.db
      .select({ userId: passwordResetTokens.userId })
      .from(passwordResetTokens)
      .where(
        and(
          eq(passwordResetTokens.tokenHash, hashToken(token)),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.expiresAt, new Date()),
        ),
      )
    return row?.userId
  }

  /** Uses the token up (one conditional UPDATE, so it works once) and answers whose it was. */
  async consume(token: string): Promise<number | undefined> {
    if (token.length === 0 || token.length > 256) return undefined
    const { passwordResetTokens } = this.database.tables
    const [row] = await this.database.db
      .update(passwordResetTokens)
      .set({ usedAt: new Date() })
      .where(
        and(
          eq(passwordResetTokens.tokenHash, hashToken(token)),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.expiresAt, new Date()),
        ),
      )
      .returning({ userId: passwordResetTokens.userId })
    return row?.userId
  }

  /** Every link of the user stops working (the rows go: nothing is left to look up later). */
  async revokeAll(userId: number): Promise<void> {
    const { passwordResetTokens } = this.database.tables
    await this.database.db.delete(passwordResetTokens).where(eq(passwordResetTokens.userId, userId))
  }
}
