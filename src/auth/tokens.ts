import { randomUUID } from 'node:crypto'
import { loadOnFirstUse } from '../load-on-first-use'
import { Recent } from '../recent'

/** jose is loaded with the first token signed or checked. */
const jose = loadOnFirstUse(() => require('jose') as typeof import('jose'))

export interface AccessClaims {
  sub: string
  jti: string
  /** The login session (refresh family) the token belongs to. */
  sid: string
  type: 'access'
  iat: number
  exp: number
}

export interface IssuedAccessToken {
  token: string
  jti: string
  /** Seconds, exactly `exp - iat`. */
  expiresIn: number
}

// Verified tokens are remembered until they expire, so a busy client does not pay for
// an HMAC check on every request; revocation and role are still read per request.
const VERIFIED_CACHE_SIZE = 10_000

/** HS256 access tokens (jose); the key is SECRET_KEY byte for byte. */
export class TokenService {
  private readonly verified = new Recent<string, AccessClaims>(VERIFIED_CACHE_SIZE)
  private readonly key: Uint8Array

  constructor(
    secretKey: string,
    private readonly lifetimeMinutes: number,
  ) {
    this.key = new TextEncoder().encode(secretKey)
  }

  async issueAccess(userId: number, sessionId: string): Promise<IssuedAccessToken> {
    const jti = randomUUID()
    const iat = Math.floor(Date.now() / 1000)
    const exp = iat + this.lifetimeMinutes * 60
    const token = await new (jose().SignJWT)({ jti, sub: String(userId), sid: sessionId, type: 'access' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setExpirationTime(exp)
      .setIssuedAt(iat)
      .sign(this.key)
    return { token, jti, expiresIn: exp - iat }
  }

  /** The claims of a valid, unexpired HS256 access token, or undefined: at once for a token checked before. */
  verifyAccess(token: string): AccessClaims | undefined | Promise<AccessClaims | undefined> {
    const remembered = this.verified.get(token)
    if (remembered) {
      if (remembered.exp > Date.now() / 1000) return remembered
      this.verified.delete(token)
      return undefined
    }
    return this.verifyAndRemember(token)
  }

  private async verifyAndRemember(token: string): Promise<AccessClaims | undefined> {
    const claims = await this.verifyUncached(token)
    if (claims) this.verified.set(token, claims)
    return claims
  }

  private async verifyUncached(token: string): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jose().jwtVerify(token, this.key, { algorithms: ['HS256'] })
      return accessClaimsOf(payload as Record<string, unknown>)
    } catch {
      return undefined
    }
  }

  /**
   * The claims of an access token this server signed, even if it has expired:
   * enough to know which session it names (logout, and a client retrying with
   * its old Bearer header beside a refreshed cookie), never to authenticate.
   */
  async signedClaims(token: string): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jose().compactVerify(token, this.key, { algorithms: ['HS256'] })
      return accessClaimsOf(JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>)
    } catch {
      return undefined
    }
  }
}

function accessClaimsOf(claims: Record<string, unknown>): AccessClaims | undefined {
  const { sub, jti, sid, type, iat, exp } = claims
  // User ids are 32-bit serials: anything else could only reach the database as a driver error.
  if (type !== 'access' || typeof sub !== 'string' || !/^\d{1,10}$/.test(sub) || Number(sub) > 2_147_483_647) return undefined
  if (typeof jti !== 'string' || typeof sid !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') return undefined
  return { sub, jti, sid, type, iat, exp }
}
