import type { Elysia, InternalRoute } from 'elysia'
import { toOpenAPISchema } from '@elysiajs/openapi'
import { VERSION } from '../version'
import { SPEC_PATH } from './pages'
import { SECURITY_SCHEMES } from './security'
import { completeOperation, ERROR_SCHEMAS, type Operation } from './errors'
import { describeOperation } from './describe'
import { HEADER_COMPONENTS } from './headers'
import { toOpenApi31 } from './normalize'

const DESCRIPTION = `JSON API of the CRM single-page app: customers, SMS through Twilio, e-mail through SMTP, Twilio webhooks.

Authenticate with \`POST /api/v2/auth/login\`, then send \`Authorization: Bearer <access_token>\` (or rely on the
\`session\` cookie the login sets). Errors are JSON \`{"detail": "..."}\`; validation failures are 422 with \`errors: [{field, message}]\`.

Every answer carries \`X-Request-Id\`. A method a path does not have is answered 405 \`{"detail": "Method Not Allowed"}\` with an
\`Allow\` header listing the methods it has; an unknown path is 404 \`{"detail": "Not Found"}\`.`

const TAG_DESCRIPTIONS: Record<string, string> = {
  Authentication: 'Login, token refresh, logout, password change',
  Customers: 'The customer database',
  Communications: 'SMS through Twilio, e-mail through SMTP, the message history, the unified inbox',
  Conversations: 'SMS threads, one per phone number, with unread counts',
  Users: 'User accounts and roles (manage_users)',
  Admin: 'Statistics and the audit log (admin_panel)',
  Webhooks: 'Twilio callbacks, authenticated by their signature',
  Operations: 'Health and metrics',
}

/** The tags the operations use, in order of first use, with a description where one is known. */
function tagsOf(paths: Record<string, Record<string, unknown>>): { name: string; description?: string }[] {
  const names = new Set<string>()
  for (const item of Object.values(paths))
    for (const op of Object.values(item)) for (const tag of (op as { tags?: string[] }).tags ?? []) names.add(tag)
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

type Responses = NonNullable<Operation['responses']>

/** Where a route's own `detail.responses` waits while the generator runs (a symbol never reaches the JSON). */
const DECLARED_RESPONSES = Symbol('declared responses')

interface RouteHooks {
  parse?: { fn: unknown }[]
  detail?: Record<string, unknown> & { responses?: Responses }
}

/**
 * The generator (@elysiajs/openapi's toOpenAPISchema) takes an app and reads
 * it only through `getGlobalRoutes()` (and `getGlobalDefinitions()`, for
 * `.model()` names, which this app does not use): it is handed the app's
 * public route table that way, adjusted where the generator says less than
 * the routes do (tests/docs/generator-input.test.ts pins both behaviours):
 * - it lists a body's content types from the route's named parsers and gives
 *   an empty list when any parse hook is a function, as the global body-limit
 *   hook is: the routes go without function parsers, so the usual JSON/form
 *   content is documented;
 * - it drops `detail.responses` when the route has `response` schemas, and
 *   the auth macros declare their 401/403 there: they are set aside here and
 *   put back by `withDeclaredResponses`.
 * `detail` is copied: macros share one object among all their routes.
 */
function generatorInput(routes: readonly InternalRoute[]): Elysia {
  const prepared = routes.map((route) => {
    const hooks = route.hooks as RouteHooks
    const named = hooks.parse?.filter((parser) => typeof parser.fn !== 'function')
    const { responses, ...detail } = structuredClone(hooks.detail ?? {})
    return {
      ...route,
      hooks: { ...route.hooks, parse: named?.length ? named : undefined, detail: { ...detail, [DECLARED_RESPONSES]: responses } },
    }
  })
  return { getGlobalRoutes: () => prepared } as unknown as Elysia
}

/** The answers the route declared in `detail`, under those its `response` schemas gave. */
function withDeclaredResponses(operation: Operation & { [DECLARED_RESPONSES]?: Responses }): void {
  const declared = operation[DECLARED_RESPONSES]
  delete operation[DECLARED_RESPONSES]
  if (declared) operation.responses = { ...declared, ...operation.responses }
}

function operationsOf(paths: Record<string, Record<string, unknown>>) {
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item ?? {})
      .filter(([, operation]) => typeof operation === 'object' && operation !== null && !Array.isArray(operation))
      .map(([method, operation]) => ({ path, method, operation: operation as Operation })),
  )
}

/** What JSON keeps of a value: no shared objects, no symbols. */
function plainCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/**
 * The OpenAPI 3.1 document of the app's routes, generated by @elysiajs/openapi
 * from their `t` schemas and `detail` (where the auth macros put their security
 * requirement and answers), then completed: public where no security is
 * declared, the shared error answers, tags, servers.
 */
export function buildDocument(routes: readonly InternalRoute[], title: string, publicUrl: string | undefined): OpenApiDocument {
  const generated = toOpenAPISchema(generatorInput(routes), { paths: HIDDEN, staticFile: false }, undefined, undefined, '3.1.0')
  const generatedPaths = withoutTrailingSlashes(generated.paths as Record<string, Record<string, unknown>>)
  for (const { operation } of operationsOf(generatedPaths)) {
    withDeclaredResponses(operation)
    completeOperation(operation)
  }
  // The generator hands back the routes' own schema objects, with which requests are validated,
  // and ERROR_SCHEMAS are shared too: the normalisation below rewrites a plain copy, never them.
  const paths = plainCopy(generatedPaths)
  const schemas = plainCopy({ ...generated.components.schemas, ...ERROR_SCHEMAS })
  toOpenApi31(paths)
  toOpenApi31(schemas)
  // After the normalisation: examples are values, not schemas.
  for (const { path, method, operation } of operationsOf(paths)) describeOperation(operation, method, path)
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: { title, version: VERSION, description: DESCRIPTION },
    // The same document serves the office's own front end and its integrations.
    servers: [{ url: publicUrl ?? '/', 'x-internal': false }],
    tags: tagsOf(paths),
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES, headers: HEADER_COMPONENTS },
  }
  return document
}
