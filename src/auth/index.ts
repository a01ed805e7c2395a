import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { uncheckedResponse } from '../docs/unchecked-response'
import { Forbidden, Unauthorized } from '../http/errors'
import { requestContext } from '../http/request-context'
import { requestPath } from '../http/request-path'
import { userView } from '../users/view'
import { clearSessionCookies, setSessionCookies, signInStep } from './cookies'
import { isSameSiteRequest, isUnsafeMethod } from './csrf'
import { AuthModel } from './model'
import { AUTH_PREFIX, isAuthPath } from './paths'
import { endPresentedSessions, type PresentedCredentials } from './logout'
import { authPlugin, bearerToken, REFRESH_COOKIE, sessionCookie, type AuthUser } from './plugin'
import { assertJsonBody } from './request-guards'
import { AuthService } from './service'
import { TwoFactorModel } from './two-factor/model'
import { twoFactorRoutes } from './two-factor'
import { passwordResetRoutes } from './password-reset-routes'
import { sessionRoutes } from './session-routes'
import { twoFactorRequired } from './two-factor/policy'

function viewOf(user: AuthUser) {
  // The role is already the effective one, so the legacy flag adds nothing here.
  return userView({ ...user, isSuperuser: false })
}

const tags = ['Authentication']

export function authModule(ctx: AppContext) {
  const service = new AuthService(ctx)

  /** Logout by whatever credentials came along; cookies alone must come from an allowed origin. */
  async function logoutPresented(request: Request, refreshCookie: unknown, ip: string) {
    const bearer = bearerToken(request)
    const cookieToken = sessionCookie(request)
    const presented: PresentedCredentials = {
      bearer: bearer ? await ctx.tokens.signedClaims(bearer) : undefined,
      sessionCookie: cookieToken ? await ctx.tokens.signedClaims(cookieToken) : undefined,
      refreshCookie: typeof refreshCookie === 'string' && refreshCookie !== '' ? refreshCookie : undefined,
    }
    // A Bearer header cannot be forged across sites; cookies ride along on any request.
    const cookiesOnly = !presented.bearer && (presented.sessionCookie !== undefined || presented.refreshCookie !== undefined)
    if (cookiesOnly && !isSameSiteRequest(request, ctx.config)) {
      ctx.metrics.forbidden.inc({ reason: 'csrf' })
      throw new Forbidden('Cross-site request rejected')
    }
    await endPresentedSessions(ctx, service.sessions, presented, { ip })
  }
  return (
    new Elysia({ name: 'auth-routes', seed: ctx.id, prefix: AUTH_PREFIX })
      .use(requestContext(ctx))
      .use(authPlugin(ctx))
      // Before the body is read: no HTML form can post to these routes (http/security-headers.ts makes their answers no-store).
      // This hook sees every request of the app: the method is checked before the URL is parsed.
      .onRequest(({ request }) => {
        if (isUnsafeMethod(request.method) && isAuthPath(requestPath(request.url))) assertJsonBody(request)
      })
      .use(twoFactorRoutes(ctx, service))
      .use(passwordResetRoutes(ctx, service))
      .use(sessionRoutes(ctx))
      .post(
        '/login',
        // With two-factor sign-in the session starts at POST /2fa/verify.
        ({ request, cookie, clientIp, body }) =>
          signInStep({ request, cookie, clientIp }, ctx.config, (caller) => service.login(body.email, body.password, caller)),
        {
          body: AuthModel.login,
          response: {
            200: t.Union([AuthModel.token, TwoFactorModel.challenge]),
            401: AuthModel.error,
            403: AuthModel.error,
            415: AuthModel.error,
            429: AuthModel.error,
          },
          detail: {
            tags,
            summary: 'Log in with email and password',
            description:
              'Returns a bearer access token and sets the `session` (access token) and `refresh` cookies. For an account with two-factor sign-in it answers `{two_factor_required: true, challenge}` instead and sets no cookie: finish with POST /api/v2/auth/2fa/verify. After LOGIN_MAX_FAILURES failed attempts for one account within 15 minutes, further attempts get 429 with Retry-After. The body must be `application/json` (415 otherwise); a request whose `Origin` is neither the server’s nor a FRONTEND_URL origin gets 403 `Cross-site request rejected`.',
          },
        },
      )
      .get(
        '/me',
        ({ user }) => ({
          user: viewOf(user),
          two_factor: { enabled: user.twoFactorEnabled, required: twoFactorRequired(ctx.config, user.role) },
        }),
        {
          auth: true,
          // The schema is documented but not enforced at run time: this is the hottest authenticated
          // route and its answer is built from userView alone, so the per-response check bought nothing.
          detail: {
            tags,
            summary: 'The signed-in user',
            responses: {
              200: uncheckedResponse('The signed-in user', AuthModel.me),
            },
          },
        },
      )
      .post(
        '/refresh',
        async ({ cookie, request, clientIp }) => {
          const presented = cookie[REFRESH_COOKIE]?.value
          if (typeof presented !== 'string' || presented === '') throw new Unauthorized()
          // The refresh cookie rides along on cross-site requests too.
          if (!isSameSiteRequest(request, ctx.config)) {
            ctx.metrics.forbidden.inc({ reason: 'csrf' })
            throw new Forbidden('Cross-site request rejected')
          }
          const result = await service.refresh(presented, { ip: clientIp })
          setSessionCookies(cookie, result.session, ctx.config)
          return result.body
        },
        {
          response: { 200: AuthModel.token, 401: AuthModel.error, 403: AuthModel.error },
          detail: {
            tags,
            summary: 'Exchange the refresh cookie for new tokens',
            security: [{ refreshCookie: [] }],
            description: 'Rotates the refresh token. Presenting an already-used refresh token revokes its whole family (401).',
          },
        },
      )
      .post(
        '/logout',
        async ({ request, cookie, clientIp }) => {
          await logoutPresented(request, cookie[REFRESH_COOKIE]?.value, clientIp)
          clearSessionCookies(cookie, ctx.config)
          return { message: 'Successfully logged out' }
        },
        {
          response: { 200: AuthModel.message, 403: AuthModel.error },
          detail: {
            tags,
            summary: 'End this session',
            description:
              'Ends the session named by the access token (Bearer or `session` cookie, even an expired one) and the `refresh` cookie’s; other sessions go on. Always clears both cookies and answers 200, signed in or not. Only a request authenticated by cookies alone must come from the server’s own or a FRONTEND_URL origin (403 otherwise).',
            security: [{ bearerAuth: [] }, { cookieAuth: [] }, {}],
          },
        },
      )
      .post(
        '/logout-all',
        async ({ user, cookie, clientIp }) => {
          await service.logoutAll(user, { ip: clientIp })
          clearSessionCookies(cookie, ctx.config)
          return { message: 'Logged out of all sessions' }
        },
        {
          auth: true,
          response: { 200: AuthModel.message },
          detail: { tags, summary: 'End every session of the signed-in user' },
        },
      )
      .post(
        '/change-password',
        async ({ user, body, clientIp, status }) => {
          await service.changePassword(user, body.current_password, body.new_password, { ip: clientIp })
          return status(204)
        },
        {
          auth: true,
          body: AuthModel.changePassword,
          detail: {
            tags,
            summary: 'Change the signed-in user’s password',
            description:
              'Ends every other session of the user; this one goes on. 400 when the current password is wrong, 422 naming the rule the new one breaks (length, common or guessable, contains the email or name). Wrong current passwords count against the account’s login throttle: 429 with Retry-After once it is locked.',
          },
        },
      )
  )
}
