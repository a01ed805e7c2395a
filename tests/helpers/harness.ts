// What tests import: the app built by testkit/app.ts (shared with bench/), the bun:test fixture
// around it, and the readers of answer bodies (./bodies.ts).
import { afterAll, beforeAll, describe } from 'bun:test'
import type { Role } from '../../src/auth/permissions'
import { createTestApp, type Dialect, type OwnedTestApp, type TestApp, type TestAppOptions, type TestUser } from '../../testkit/app'

export * from '../../testkit/app'
export * from './bodies'

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
