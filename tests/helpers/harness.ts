// The test-runner side of the kit: the app itself is built in testkit/app.ts (shared with bench/).
import { afterAll, beforeAll, describe, expect } from 'bun:test'
import type { Role } from '../../src/auth/permissions'
import {
  createTestApp,
  type AppClient,
  type Dialect,
  type OwnedTestApp,
  type TestApp,
  type TestAppOptions,
  type TestUser,
} from '../../testkit/app'

export * from '../../testkit/app'

/** sqlite always; postgres when TEST_DATABASE_URL is set (CI sets it). */
export const DIALECTS: Dialect[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite']

/** Runs the suite once per available dialect. */
export function describeEachDialect(name: string, suite: (dialect: Dialect) => void) {
  for (const dialect of DIALECTS) describe(`${name} [${dialect}]`, () => suite(dialect))
}

export interface UseTestAppOptions<R extends Role> extends Omit<TestAppOptions, 'env'> {
  /** Evaluated when the app starts, so it may read a fake started by an earlier beforeAll. */
  env?: Record<string, string> | (() => Record<string, string>)
  /** One signed-in user per role, in `users`. */
  roles?: readonly R[]
  /** For the start-up hook, when the app or its users take long to make. */
  timeout?: number
}

export interface TestAppFixture<R extends Role> extends TestApp {
  /**
   * The users of `roles`. The objects exist at once and are filled when the app
   * starts, so `const { user } = testApp.users` may be written in the describe body.
   */
  users: Record<R, TestUser>
}

/**
 * An app over a fresh database for the enclosing describe block: registers the
 * beforeAll that builds it (and signs in one user per role) and the afterAll
 * that drops it. Hooks the caller registers afterwards run once it is up.
 */
export function useTestApp<const R extends Role = never>(dialect: Dialect, options: UseTestAppOptions<R> = {}): TestAppFixture<R> {
  const { env, roles = [], timeout, ...rest } = options
  let current: OwnedTestApp | undefined
  const live = (): TestApp => {
    if (!current) throw new Error('useTestApp: the app starts in beforeAll; use it inside hooks and tests')
    return current
  }
  const users = Object.fromEntries(roles.map((role) => [role, {}])) as Record<R, TestUser>

  beforeAll(async () => {
    current = await createTestApp(dialect, { ...rest, env: typeof env === 'function' ? env() : env })
    for (const role of roles) Object.assign(users[role], await current.createUser(role))
  }, timeout)
  afterAll(() => current?.close())

  return {
    get app() {
      return live().app
    },
    get ctx() {
      return live().ctx
    },
    get config() {
      return live().config
    },
    get database() {
      return live().database
    },
    get logs() {
      return live().logs
    },
    request: (...args) => live().request(...args),
    client: (...args) => live().client(...args),
    createUser: (...args) => live().createUser(...args),
    users,
  }
}

/** The body Eden infers for the 2xx answer of a client call: `BodyOf<AppClient['api']['v2']['customers']['post']>`. */
export type BodyOf<Call extends (...args: never[]) => Promise<{ data: unknown }>> = NonNullable<Awaited<ReturnType<Call>>['data']>

/** The /api/v2 routes of the typed client, for naming a route's types: `BodyOf<Api['customers']['post']>`. */
export type Api = AppClient['api']['v2']

type LoginBody = BodyOf<Api['auth']['login']['post']>

/** A login answer that signed in, rather than one asking for the second factor. */
export function signedIn(body: LoginBody): Extract<LoginBody, { access_token: string }> {
  if ('access_token' in body) return body
  throw new Error('the login asked for a second factor')
}

/**
 * A raw answer's JSON body, typed as Eden types the answer of the route `Call`: for tests that must
 * keep the Response (its headers, or a check against the OpenAPI document) and still read the body.
 */
export async function bodyAs<Call extends (...args: never[]) => Promise<{ data: unknown }>>(response: Response): Promise<BodyOf<Call>> {
  return response.json()
}

/** Asserts the status of an Eden answer and returns its body, typed from the route. */
export function expectBody<T>(answer: { status: number; data: T | null; error: { value: unknown } | null }, status: number): T {
  expect({ status: answer.status, error: answer.error?.value }).toEqual({ status, error: undefined })
  if (answer.data === null) throw new Error(`HTTP ${status} without a body`)
  return answer.data
}

export interface ErrorBody {
  detail: string
  errors?: { field: string; message: string }[]
}

/** The `{detail}` body every refusal carries, checked rather than assumed. */
export async function errorBody(response: Response): Promise<ErrorBody> {
  const body: unknown = await response.json()
  const detail = typeof body === 'object' && body !== null && 'detail' in body ? body.detail : undefined
  const errors = typeof body === 'object' && body !== null && 'errors' in body ? body.errors : []
  // Not toMatchObject on `body`: Bun's asymmetric matchers would be written into it.
  if (typeof detail !== 'string' || !Array.isArray(errors)) throw new Error(`not an error body: ${JSON.stringify(body)}`)
  return body as ErrorBody
}

/** The `field` of each entry of a refusal's `errors`. */
export async function errorFields(response: Response): Promise<string[]> {
  return ((await errorBody(response)).errors ?? []).map((error) => error.field)
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T
}
