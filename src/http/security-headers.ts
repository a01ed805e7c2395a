import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { isAuthPath } from '../auth/paths'
import { requestPath } from './request-path'

/** The API answers JSON only: nothing may load, frame or submit anything. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/**
 * The docs pages run their own bundled scripts only ('self', no inline script).
 * Both UIs inject <style> elements (styled-components, swagger-ui) and ReDoc runs
 * its search index in a blob: worker; images may be data: URIs from the bundles.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ')

export const HSTS = 'max-age=31536000; includeSubDomains'

function isDocsPath(path: string): boolean {
  return path === '/docs' || path.startsWith('/docs/') || path === '/redoc' || path.startsWith('/redoc/')
}

/**
 * Every answer carries them: routes, 404/405, 413 and errors alike (the error
 * handler keeps `set.headers`). The headers that never change are Elysia's
 * default headers, copied into each request's `set.headers` from one prepared
 * object; only the two that depend on the path are decided per request.
 */
export function securityHeaders(ctx: AppContext) {
  const { isProduction, docsEnabled } = ctx.config
  const constant: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': API_CSP,
  }
  if (isProduction) constant['strict-transport-security'] = HSTS
  return new Elysia({ name: 'security-headers', seed: ctx.id }).headers(constant).onRequest(({ request, set }) => {
    const path = requestPath(request.url)
    if (docsEnabled && isDocsPath(path)) set.headers['content-security-policy'] = DOCS_CSP
    // The one place auth answers become no-store: tokens and user data travel in them, and no cache, shared or
    // private, may keep any answer there, errors, preflights and unknown paths included (hence before routing).
    else if (isAuthPath(path)) set.headers['cache-control'] = 'no-store'
  })
}
