/** An app over a fresh database, driven in-process: shared by the tests and the fuzzing benchmark. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { treaty } from '@elysiajs/eden'
import { loadConfig, type Config } from '../src/config'
import { openSqlite, type Database } from '../src/db/client'
import { openPostgres } from '../src/db/postgres'
import { runMigrations } from '../src/db/migrate'
import { buildApp, type App } from '../src/app'
import { createContext, type AppContext } from '../src/context'
import { createLogger } from '../src/logger'
import { SessionService } from '../src/auth/sessions'
import { UserService } from '../src/users/service'
import type { Role } from '../src/auth/permissions'
import { LogCapture } from './log-capture'
import { createScratchDatabase } from './postgres'

export type Dialect = 'sqlite' | 'postgres'

export const TEST_SECRET = 'test-only-secret-key-that-is-long-enough-0123456789'
export const DEFAULT_PASSWORD = 'correct horse battery'

/** A brand-new empty database: a temp SQLite file, or a fresh PostgreSQL database. */
export async function freshDatabase(dialect: Dialect): Promise<{ database: Database; url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'crm-test-'))
    const path = join(dir, 'crm.db')
    const database = openSqlite(path)
    return {
      database,
      url: `sqlite:${path}`,
      async drop() {
        await database.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const base = process.env.TEST_DATABASE_URL
  if (!base) throw new Error('TEST_DATABASE_URL is not set')
  const scratch = await createScratchDatabase(base, 'crm_test')
  const database = openPostgres(scratch.url, { max: 10 })
  return {
    database,
    url: scratch.url,
    async drop() {
      await database.close().catch(() => {})
      await scratch.drop()
    },
  }
}

export interface TestAppOptions {
  env?: Record<string, string>
  /** Reuse an existing database (e.g. to test a restart). */
  database?: Database
}

/** The typed client Eden builds from the App type; in-process here, over HTTP against a running server. */
export type AppClient = ReturnType<typeof treaty<App>>

export interface TestApp {
  app: App
  ctx: AppContext
  config: Config
  database: Database
  logs: LogCapture
  /** app.handle with JSON and auth conveniences: for raw, malformed or header-level requests. */
  request(method: string, path: string, options?: RequestOptions): Promise<Response>
  /**
   * The Eden client over app.handle, sending `as`'s bearer token when given: bodies come back typed.
   * `headers` is called for every request (a client's own headers, such as a per-request id).
   */
  client(as?: TestUser | string, headers?: () => Record<string, string>): AppClient
  createUser(role?: Role, overrides?: { email?: string; password?: string; fullName?: string }): Promise<TestUser>
}

/** A test app its maker closes: close() drops the database it made. */
export interface OwnedTestApp extends TestApp {
  close(): Promise<void>
}

export interface RequestOptions {
  token?: string
  json?: unknown
  body?: BodyInit
  headers?: Record<string, string>
  cookies?: Record<string, string>
}

export interface TestUser {
  id: number
  email: string
  password: string
  role: Role
  token: string
  refreshToken: string
  sessionId: string
}

function baseTestEnv(dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    SECRET_KEY: TEST_SECRET,
    LOG_LEVEL: 'info',
    FRONTEND_URL: 'http://localhost:5173',
  }
}

let userCounter = 0

/** The caller closes it; tests/helpers/harness.ts `useTestApp` does that in afterAll. */
export async function createTestApp(dialect: Dialect = 'sqlite', options: TestAppOptions = {}): Promise<OwnedTestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-data-'))
  const fresh = options.database ? undefined : await freshDatabase(dialect)
  const database = options.database ?? fresh!.database
  await runMigrations(database)
  const config = loadConfig({ ...baseTestEnv(dataDir), ...options.env })
  const logs = new LogCapture()
  const ctx = createContext(config, { database, logger: createLogger(config.logLevel, logs) })
  const app = buildApp(ctx)
  const sessions = new SessionService(ctx)
  const users = new UserService(database)

  async function request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers }
    let body = opts.body
    if (opts.json !== undefined) {
      headers['content-type'] ??= 'application/json'
      body = JSON.stringify(opts.json)
    }
    if (opts.token) headers.authorization ??= `Bearer ${opts.token}`
    if (opts.cookies)
      headers.cookie = Object.entries(opts.cookies)
        .map(([k, v]) => `${k}=${v}`)
        .join('; ')
    return app.handle(new Request(`http://localhost${path}`, { method, headers, body }))
  }

  return {
    app,
    ctx,
    config,
    database,
    logs,
    request,
    client(as, headers = () => ({})) {
      const token = typeof as === 'string' ? as : as?.token
      return treaty(app, {
        // Bodies stay as the JSON on the wire: Eden would turn date-like strings into Date objects.
        parseDate: false,
        headers: () => ({ ...headers(), ...(token && { authorization: `Bearer ${token}` }) }),
      })
    },
    async createUser(role = 'user', overrides = {}) {
      const email = overrides.email ?? `${role}${++userCounter}-${randomBytes(3).toString('hex')}@example.com`
      const password = overrides.password ?? DEFAULT_PASSWORD
      const row = await users.create({ email, password, role, fullName: overrides.fullName ?? `Test ${role}` })
      const session = await sessions.start(row.id)
      return {
        id: row.id,
        email,
        password,
        role,
        token: session.accessToken,
        refreshToken: session.refreshToken,
        sessionId: session.sessionId,
      }
    },
    async close() {
      if (fresh) await fresh.drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
