import { and, eq, gt, isNull, lt } from 'drizzle-orm'
import { createHash, randomBytes } from 'node:crypto'
import type { Database } from '../../db/client'

const CHALLENGE_TTL_MS = 5 * 60_000

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export interface PendingChallenge {
  tokenHash: string
  userId: number
}

/**
 * The second step of a two-factor login. The password step hands out an
 * opaque token (stored only as its SHA-256); it lives five minutes and
 * completes at most one login. Wrong codes leave it usable (the login
 * throttle bounds the guesses).
 */
export class LoginChallenges {
  constructor(private readonly database: Database) {}

  async issue(userId: number, client: { ip?: string; userAgent?: string | null }): Promise<string> {
    const { loginChallenges } = this.database.tables
    const token = randomBytes(32).toString('base64url')
    const now = Date.now()
    // Expired ones of this user go at the same time: the table stays small without a sweeper.
    await this.database.db
      .delete(loginChallenges)
      .where(and(eq(loginChallenges.userId, userId), lt(loginChallenges.expiresAt, new Date(now))))
    await this.database.db.insert(loginChallenges).values({
      tokenHash: hashToken(token),
      userId,
      ip: client.ip ?? null,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      createdAt: new Date(now),
      expiresAt: new Date(now + CHALLENGE_TTL_MS),
    })
    return token
  }

  /** The live, unused challenge for this token, without using it up. */
  async find(token: string): Promise<PendingChallenge | undefined> {
    if (token.length > 256) return undefined
    const { loginChallenges } = this.database.tables
    const [row] = await this.database.db
      .select({ tokenHash: loginChallenges.tokenHash, userId: loginChallenges.userId })
      .from(loginChallenges)
      .where(
        and(eq(loginChallenges.tokenHash, hashToken(token)), isNull(loginChallenges.usedAt), gt(loginChallenges.expiresAt, new Date())),
      )
    return row
  }

  /** One conditional UPDATE: of two requests completing the same challenge, one wins. */
  async consume(challenge: PendingChallenge): Promise<boolean> {
    const { loginChallenges } = this.database.tables
    const used = await this.database.db
      .update(loginChallenges)
      .set({ usedAt: new Date() })
      .where(
        and(eq(loginChallenges.tokenHash, challenge.tokenHash), isNull(loginChallenges.usedAt), gt(loginChallenges.expiresAt, new Date())),
      )
      .returning({ userId: loginChallenges.userId })
    return used.length === 1
  }
}
