import { Elysia } from 'elysia'
import { toOpenAPISchema } from '@elysiajs/openapi'
import type { AppContext } from '../context'
import { VERSION } from '../version'
import { NotFound } from '../http/errors'
import { DOCS_ASSETS } from './assets'
import { ASSETS_PREFIX, REDOC_INIT, SPEC_PATH, SWAGGER_INIT, redocPage, swaggerPage } from './pages'
import { securityFor, SECURITY_SCHEMES } from './security'
import { completeOperation, ERROR_SCHEMAS, type Operation } from './errors'
import { toOpenApi31 } from './normalize'

const TITLE = 'CRM API'

const DESCRIPTION = `JSON API of the CRM single-page app: customers, SMS through Twilio, e-mail through SMTP, Twilio webhooks.

Authenticate with \`POST /api/v2/auth/login\`, then send \`Authorization: Bearer <access_token>\` (or rely on the
\`session\` cookie the login sets). Errors are JSON \`{"detail": "..."}\`; validation failures are 422 with \`errors: [{field, message}]\`.`

/** ReDoc's sidebar shows its maker's logo from a CDN; an inline blank keeps the page offline and the CSP quiet. */
const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg'
const BLANK_SVG = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"

async function offlineRedoc(file: string): Promise<string> {
  return (await Bun.file(file).text()).replaceAll(REDOC_CDN_LOGO, BLANK_SVG)
}

const TAG_DESCRIPTIONS: Record<string, string> = {
  Authentication: 'Login, token refresh, logout, password change',
  Customers: 'The customer database',
  Communications: 'SMS through Twilio, e-mail through SMTP, the message history',
  Users: 'User accounts and roles (manage_users)',
  Admin: 'Statistics and the audit log (admin_panel)',
  Webhooks: 'Twilio callbacks, authenticated by their signature',
  Operations: 'Health and metrics',
}

/** The tags the operations use, in order of first use, with a description where one is known. */
function tagsOf(paths: Record<string, Record<string, unknown>>): { name: string; description?: string }[] {
  const names = new Set<string>()
  for (const item of Object.values(paths)) for (const op of Object.values(item)) for (const tag of (op as { tags?: string[] }).tags ?? []) names.add(tag)
  return [...names].map((name) => (TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name] } : { name }))
}

/** Routes answer with and without a trailing slash; the document names each path once, without. */
function withoutTrailingSlashes(paths: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const [path, item] of Object.entries(paths)) {
    const key = path.length > 1 ? path.replace(/\/+$/, '') : path
    out[key] = { ...out[key], ...item }
  }
  return out
}

/** Pages and assets of the docs themselves are not API routes. */
const HIDDEN = [/^\/docs(\/|$)/, /^\/redoc(\/|$)/, SPEC_PATH]

type OpenApiDocument = Record<string, unknown>

interface RouteLike {
  hooks?: { parse?: { fn: unknown }[] } & Record<string, unknown>
}

/**
 * The generator lists a body's content types from the route's named parsers
 * and gives an empty list when any parse hook is a function; our global
 * body-limit hook is one. Hand it the routes without function parsers, so it
 * documents the usual JSON/form content. (Adapter over the generator's
 * untyped view of the app: it only calls these two methods.)
 */
function withoutParseFunctions(app: Elysia): Elysia {
  const source = app as unknown as { getGlobalRoutes(): RouteLike[]; getGlobalDefinitions?(): unknown }
  const view = {
    getGlobalRoutes: () =>
      source.getGlobalRoutes().map((route) => {
        const named = route.hooks?.parse?.filter((parser) => typeof parser.fn !== 'function')
        return { ...route, hooks: { ...route.hooks, parse: named?.length ? named : undefined } }
      }),
    getGlobalDefinitions: () => source.getGlobalDefinitions?.(),
  }
  return view as unknown as Elysia
}

/**
 * `/docs` (Swagger UI), `/redoc` (ReDoc) and `/openapi.json`, generated from the
 * routes' `t` schemas by @elysiajs/openapi. With DOCS_ENABLED=false none of the
 * three exists (404 like any unknown path).
 */
export function docsModule(ctx: AppContext) {
  const plugin = new Elysia({ name: 'docs', seed: ctx.id })
  if (!ctx.config.docsEnabled) return plugin

  // Every route is registered before the first request, so the first document is final.
  let cached: OpenApiDocument | undefined
  const document = (): OpenApiDocument => {
    if (cached) return cached
    const generated = toOpenAPISchema(withoutParseFunctions(plugin), { paths: HIDDEN, staticFile: false }, undefined, undefined, '3.1.0')
    const paths = withoutTrailingSlashes(generated.paths as Record<string, Record<string, unknown>>)
    for (const [path, item] of Object.entries(paths)) {
      for (const operation of Object.values(item ?? {})) {
        if (typeof operation !== 'object' || operation === null || Array.isArray(operation)) continue
        completeOperation(operation as Operation, path)
      }
    }
    const full: OpenApiDocument = {
      openapi: '3.1.0',
      info: { title: TITLE, version: VERSION, description: DESCRIPTION },
      servers: [{ url: ctx.config.publicUrl ?? '/' }],
      tags: tagsOf(paths),
      paths,
      components: { schemas: { ...generated.components.schemas, ...ERROR_SCHEMAS }, securitySchemes: SECURITY_SCHEMES },
    }
    toOpenApi31(full.paths)
    toOpenApi31(full.components)
    cached = full
    return full
  }

  const html = (body: string) => new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8' } })
  const assets = new Map(DOCS_ASSETS.map((asset) => [asset.name, asset]))
  const scripts: Record<string, string> = { 'swagger-init.js': SWAGGER_INIT, 'redoc-init.js': REDOC_INIT }
  const hide = { detail: { hide: true } }
  let redocBundle: Promise<string> | undefined

  return plugin
    .get(SPEC_PATH, () => document(), hide)
    .get('/docs', () => html(swaggerPage(TITLE)), hide)
    .get('/redoc', () => html(redocPage(TITLE)), hide)
    .get(
      `${ASSETS_PREFIX}/:name`,
      ({ params, set }) => {
        set.headers['cache-control'] = 'public, max-age=86400'
        const script = scripts[params.name]
        if (script !== undefined) {
          set.headers['content-type'] = 'text/javascript; charset=utf-8'
          return script
        }
        const asset = assets.get(params.name)
        if (!asset) throw new NotFound()
        set.headers['content-type'] = asset.type
        if (asset.name === 'redoc.standalone.js') return (redocBundle ??= offlineRedoc(asset.file))
        return Bun.file(asset.file)
      },
      hide,
    )
}
