import { Elysia, type InternalRoute } from 'elysia'
import type { Config } from './config'
import { createContext, type AppContext, type AppDeps } from './context'
import { httpLayer } from './http'
import { allowedMethods } from './http/allowed-methods'
import { textInput } from './http/text-input'
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

/**
 * The JSON API under /api/v2: its input must be text the database can store
 * (422 otherwise). Twilio's webhooks are mounted outside it: Twilio retries
 * anything but a 2xx, so their service stores such text cleaned instead.
 */
function apiV2(ctx: AppContext) {
  return new Elysia({ name: 'api-v2', seed: ctx.id })
    .use(textInput(ctx))
    .use(customersModule(ctx))
    .use(authModule(ctx))
    .use(usersModule(ctx))
    .use(adminModule(ctx))
    .use(communicationsModule(ctx))
    .use(smsModule(ctx))
}

/** Builds the whole app from configuration and an open database (the benchmarks use it). */
export function createApp(config: Config, deps: AppDeps) {
  const ctx = createContext(config, deps)
  return buildApp(ctx)
}

/** Builds the whole app on a context made elsewhere (the server and the test harness make their own). */
export function buildApp(ctx: AppContext) {
  // The finished app's route table, read at request time: 405 answers and the OpenAPI document come from it.
  const routes = (): readonly InternalRoute[] => app.routes
  const app = new Elysia({ name: 'crm-api', seed: ctx.id })
    .use(httpLayer(ctx, allowedMethods(routes)))
    .use(healthModule(ctx))
    .use(metricsModule(ctx))
    .use(docsModule(ctx, routes))
    .use(apiV2(ctx))
    .use(webhooksModule(ctx))
    .decorate('appContext', ctx)
  return app
}

export type App = ReturnType<typeof buildApp>
