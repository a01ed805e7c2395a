import { Elysia, type InternalRoute } from 'elysia'
import type { AppContext } from '../context'
import { NotFound } from '../http/errors'
import { DOCS_ASSETS } from './assets'
import { ASSETS_PREFIX, REDOC_INIT, SPEC_PATH, SWAGGER_INIT, redocPage, swaggerPage } from './pages'

const TITLE = 'CRM API'

/** ReDoc's sidebar shows its maker's logo from a CDN; an inline blank keeps the page offline and the CSP quiet. */
const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg'
const BLANK_SVG = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"

async function offlineRedoc(file: string): Promise<string> {
  return (await Bun.file(file).text()).replaceAll(REDOC_CDN_LOGO, BLANK_SVG)
}

/**
 * `/docs` (Swagger UI), `/redoc` (ReDoc) and `/openapi.json`, generated from the
 * routes' `t` schemas by @elysiajs/openapi. With DOCS_ENABLED=false none of the
 * three exists (404 like any unknown path); production defaults to false and
 * needs DOCS_ENABLED=true explicitly (see loadConfig). `routes` is the whole
 * app's route table, read when the document is first asked for.
 */
export function docsModule(ctx: AppContext, routes: () => readonly InternalRoute[]) {
  const plugin = new Elysia({ name: 'docs', seed: ctx.id })
  if (!ctx.config.docsEnabled) return plugin

  // Every route is registered before the first request, so the first document is final.
  // The generator (and @elysiajs/openapi under it) loads on the first request for the document, not at start.
  let cached: Promise<Record<string, unknown>> | undefined
  const document = () =>
    (cached ??= import('./document')
      .then(({ buildDocument }) => buildDocument(routes(), TITLE, ctx.config.publicUrl))
      .catch((error) => {
        cached = undefined
        throw error
      }))

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
        if (asset.name === 'redoc.standalone.js') {
          redocBundle ??= offlineRedoc(asset.file)
          return redocBundle
        }
        return Bun.file(asset.file)
      },
      hide,
    )
}
