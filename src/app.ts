import { Elysia } from 'elysia'
import type { Config } from './config'
import { createContext, type AppContext, type AppDeps } from './context'
import { httpLayer } from './http'
import { metricsModule } from './metrics'
import { docsModule } from './docs'
import { healthModule } from './health'
import { customersModule } from './customers'
import { authModule } from './auth'
import { usersModule } from './users'
import { adminModule } from './admin'
import { webhooksModule } from './webhooks'
import { communicationsModule } from './communications'
import { smsModule } from './sms'

/** Methods registered for a concrete path, for 405 answers (tests/http/method-not-allowed.test.ts pins the route table format it reads). */
function routeMethodIndex(app: { routes: { method: string; path: string }[] }) {
  let compiled: { pattern: RegExp; method: string }[] | undefined
  return (path: string): string[] => {
    compiled ??= app.routes.map((route) => ({
      method: route.method,
      pattern: new RegExp(
        `^${route.path
          .replace(/\/+$/, '')
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replace(/:[^/]+/g, '[^/]+')
          .replace(/\*/g, '.*')}/?$`,
      ),
    }))
    const methods = new Set<string>()
    for (const route of compiled) if (route.pattern.test(path)) methods.add(route.method)
    if (methods.has('GET')) methods.add('HEAD')
    return [...methods]
  }
}

/** Builds the whole app from configuration and an open database (the benchmarks use it). */
export function createApp(config: Config, deps: AppDeps) {
  const ctx = createContext(config, deps)
  return buildApp(ctx)
}

/** Builds the whole app on a context made elsewhere (the server and the test harness make their own). */
export function buildApp(ctx: AppContext) {
  const methods: { fn?: (path: string) => string[] } = {}
  const app = new Elysia({ name: 'crm-api', seed: ctx.id })
    .use(httpLayer(ctx, (path) => methods.fn?.(path) ?? []))
    .use(healthModule(ctx))
    .use(metricsModule(ctx))
    .use(docsModule(ctx))
    .use(customersModule(ctx))
    .use(authModule(ctx))
    .use(usersModule(ctx))
    .use(adminModule(ctx))
    .use(webhooksModule(ctx))
    .use(communicationsModule(ctx))
    .use(smsModule(ctx))
    .decorate('appContext', ctx)
  methods.fn = routeMethodIndex(app)
  return app
}

export type App = ReturnType<typeof buildApp>
