import { Elysia, type DocumentDecoration } from 'elysia'
import type { AppContext } from '../context'
import { sharedErrorResponse } from '../docs/errors'
import { Forbidden, Unauthorized } from '../http/errors'
import { requestPath } from '../http/request-path'
import { isSameSiteRequest, isUnsafeMethod } from './csrf'
import { TWO_FACTOR_REQUIRED_DETAIL, twoFactorMissing } from './two-factor/policy'
import { touchSession } from './session-list'
import type { SessionUserRow, UserProfile } from './session-lookup'
import type { AccessClaims } from './tokens'
import { effectiveRole, hasPermission, roleAtLeast, type Permission, type Role } from './permissions'

export const SESSION_COOKIE = 'session'
export const REFRESH_COOKIE = 'refresh'

export interface AuthUser extends UserProfile {
  role: Role
  isActive: boolean
  createdAt: Date
  sessionId: string
  /** Two-factor sign-in is on for this user. */
  twoFactorEnabled: boolean
  jti: string
  tokenExpiresAt: number
  via: 'bearer' | 'cookie'
}

/**
 * The `session` cookie straight from the header: reading Elysia's cookie jar
 * here would make every guarded route parse all cookies, Bearer calls included.
 */
export function sessionCookie(request: Request): string | undefined {
  const header = request.headers.get('cookie')
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue
    const raw = part.slice(eq + 1).trim()
    try {
      return decodeURIComponent(raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw)
    } catch {
      return undefined
    }
  }
  return undefined
}

/** The token of a well-formed `Authorization: Bearer …` header. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get('authorization')
  return header === null ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
}

/** What a guarded request's context carries once a macro has authenticated it. */
interface SignedIn {
  request: Request
  clientIp?: string
  user?: AuthUser
}

type Presented = { token: string; via: 'bearer' | 'cookie' }

function tokenFrom(request: Request): Presented {
  // A present Authorization header decides, even when a valid cookie is also sent.
  if (request.headers.has('authorization')) {
    const token = bearerToken(request)
    if (!token) throw new Unauthorized()
    return { token, via: 'bearer' }
  }
  const cookie = sessionCookie(request)
  if (cookie === undefined || cookie === '') throw new Unauthorized()
  return { token: cookie, via: 'cookie' }
}

function createAuthenticator(ctx: AppContext) {
  const reject = (reason: string) => {
    ctx.metrics.authFailures.inc({ reason })
    return new Unauthorized()
  }

  /**
   * A browser SPA keeps its access token in storage and, after a 401, refreshes
   * (which renews the cookie) and retries with the same, now expired, Bearer
   * header. A Bearer token we signed that has only expired therefore gives way
   * to a valid `session` cookie of the same user; the request then counts as
   * cookie-authenticated (cross-site rules apply). A forged Bearer never does.
   */
  async function cookieBehindExpiredBearer(request: Request, bearer: string) {
    const cookie = sessionCookie(request)
    if (!cookie) return undefined
    const expired = await ctx.tokens.signedClaims(bearer)
    if (!expired) return undefined
    const claims = await ctx.tokens.verifyAccess(cookie)
    if (!claims || claims.sub !== expired.sub) return undefined
    return { presented: { token: cookie, via: 'cookie' as const }, claims }
  }

  /**
   * The signed-in user of a request, answered at once when nothing needs waiting
   * for (a token seen before, on SQLite): every authenticated request runs this,
   * and each promise on the way costs more than the checks themselves.
   */
  function authenticate(request: Request): AuthUser | Promise<AuthUser> {
    let presented: Presented
    try {
      presented = tokenFrom(request)
    } catch {
      throw reject('missing')
    }
    const claims = ctx.tokens.verifyAccess(presented.token)
    if (claims instanceof Promise || (!claims && presented.via === 'bearer')) return authenticateLater(request, presented, claims)
    if (!claims) throw reject('invalid')
    const row = ctx.sessionStore.lookup(Number(claims.sub), claims.sid)
    if (row instanceof Promise) return row.then((found) => userOf(request, presented, claims, found))
    return userOf(request, presented, claims, row)
  }

  async function authenticateLater(request: Request, presented: Presented, pending: ReturnType<typeof ctx.tokens.verifyAccess>) {
    let claims = await pending
    if (!claims && presented.via === 'bearer') {
      const fallback = await cookieBehindExpiredBearer(request, presented.token)
      if (fallback) ({ presented, claims } = fallback)
    }
    if (!claims) throw reject('invalid')
    return userOf(request, presented, claims, await ctx.sessionStore.lookup(Number(claims.sub), claims.sid))
  }

  function userOf(request: Request, presented: Presented, claims: AccessClaims, row: SessionUserRow | undefined): AuthUser {
    // Role and active state come from the database on every request, never from the token.
    if (!row) throw reject('unknown')
    // Disabling ends the user's sessions too; their still-signed tokens learn why.
    // Once re-enabled, those sessions stay ended (401 below).
    if (!row.isActive) {
      ctx.metrics.forbidden.inc({ reason: 'disabled' })
      throw new Forbidden('User account is disabled')
    }
    if (row.sessionRevokedAt !== null) throw reject('revoked')
    if (presented.via === 'cookie' && isUnsafeMethod(request.method) && !isSameSiteRequest(request, ctx.config)) {
      ctx.metrics.forbidden.inc({ reason: 'csrf' })
      throw new Forbidden('Cross-site request rejected')
    }
    touchSession(ctx, claims.sid)
    const role = effectiveRole(row.role, row.isSuperuser)
    if (!row.twoFactorEnabled && twoFactorMissing(ctx.config, role, request)) {
      ctx.metrics.forbidden.inc({ reason: 'two_factor' })
      throw new Forbidden(TWO_FACTOR_REQUIRED_DETAIL)
    }
    return {
      id: row.id,
      email: row.email,
      fullName: row.fullName,
      firstName: row.firstName,
      lastName: row.lastName,
      lastLoginAt: row.lastLoginAt,
      role,
      isActive: row.isActive,
      createdAt: row.createdAt,
      sessionId: claims.sid,
      twoFactorEnabled: row.twoFactorEnabled,
      jti: claims.jti,
      tokenExpiresAt: claims.exp,
      via: presented.via,
    }
  }

  /** The request's user: authenticated once, by the first macro that asks, and kept on its context. */
  function signedInUser(context: SignedIn): AuthUser | Promise<AuthUser> {
    return context.user ?? authenticate(context.request)
  }

  return { signedInUser }
}

/**
 * What `{ auth: true }` tells the OpenAPI document: an access token (Bearer or
 * the `session` cookie) and the 401/403 its check answers. A route without an
 * auth macro is documented as public.
 */
const SIGNED_IN_DETAIL: DocumentDecoration = {
  security: [{ bearerAuth: [] }, { cookieAuth: [] }],
  responses: { 401: sharedErrorResponse('401'), 403: sharedErrorResponse('403') },
}

/** The permission or role a route needs, as an OpenAPI extension (Elysia's detail type lists none). */
function requirementDetail(name: 'x-permission' | 'x-role', value: string): DocumentDecoration {
  return { [name]: value } as DocumentDecoration
}

/**
 * Route options `{ auth: true }`, `{ permission: 'x' }`, `{ role: 'admin' }`.
 * The check runs in `transform`, before body validation and the handler, so an
 * unauthenticated or unauthorised caller learns nothing about the body schema;
 * `resolve` then hands the typed user to the handler. `permission` and `role`
 * build on `auth`, so every guarded route is documented by its own options.
 */
export function authPlugin(ctx: AppContext) {
  const { signedInUser } = createAuthenticator(ctx)

  const deny = async (user: AuthUser, request: Request, clientIp: string | undefined, needed: string) => {
    ctx.metrics.forbidden.inc({ reason: 'permission' })
    await ctx.audit.record({
      action: 'permission.denied',
      userId: user.id,
      actorEmail: user.email,
      target: `${request.method} ${requestPath(request.url)}`,
      ip: clientIp,
      details: { required: needed },
    })
    return new Forbidden(`Permission denied: requires ${needed}`)
  }

  // Each transform reads fields of its context and writes `user` on it, never hands the context on:
  // Elysia would then prepare the headers, cookies and query of every guarded request, which none of
  // them reads. `await` only when the authentication has to wait.
  return new Elysia({ name: 'auth', seed: ctx.id }).macro({
    auth: {
      async transform(context) {
        const c = context as typeof context & SignedIn
        const found = signedInUser(c)
        c.user = found instanceof Promise ? await found : found
      },
      // The transform has set it; this hands it on typed.
      resolve: (context) => ({ user: (context as typeof context & { user: AuthUser }).user }),
      detail: SIGNED_IN_DETAIL,
    },
    permission: (permission: Permission) => ({
      auth: true,
      async transform(context) {
        const c = context as typeof context & SignedIn
        const found = signedInUser(c)
        const user = found instanceof Promise ? await found : found
        c.user = user
        if (!hasPermission(user.role, permission)) throw await deny(user, c.request, c.clientIp, permission)
      },
      detail: requirementDetail('x-permission', permission),
    }),
    role: (role: Role) => ({
      auth: true,
      async transform(context) {
        const c = context as typeof context & SignedIn
        const found = signedInUser(c)
        const user = found instanceof Promise ? await found : found
        c.user = user
        if (!roleAtLeast(user.role, role)) throw await deny(user, c.request, c.clientIp, `role ${role}`)
      },
      detail: requirementDetail('x-role', role),
    }),
  })
}
