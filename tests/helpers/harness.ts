import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { describe } from 'bun:test'
import { loadConfig, type Config } from '../../src/config'
import { openPostgres, openSqlite, type Database } from '../../src/db/client'
import { runMigrations } from '../../src/db/migrate'
import { buildApp } from '../../src/app'
import { createContext, type AppContext } from '../../src/context'
import { createLogger } from '../../src/logger'
import { SessionService } from '../../src/auth/sessions'
import { UserService } from '../../src/users/service'
import type { Role } from '../../src/auth/permissions'
import { LogCapture } from './log-capture'

export type Dialect = 'sqlite' | 'postgres'

export const TEST_SECRET = 'test-only-secret-key-that-is-long-enough-0123456789'
export const DEFAULT_PASSWORD = 'correct horse battery'

/** sqlite always; postgres when TEST_DATABASE_URL is set (CI sets it). */
export const DIALECTS: Dialect[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite']

/** Runs the suite once per available dialect. */
export function describeEachDialect(name: string, suite: (dialect: Dialect) => void) {
  for (const dialect of DIALECTS) describe(`${name} [${dialect}]`, () => suite(dialect))
}

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
  const name = `crm_test_${randomBytes(6).toString('hex')}`
  const admin = postgres(base, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(base)
  url.pathname = `/${name}`
  const database = openPostgres(url.toString(), { max: 10 })
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close().catch(() => {})
      const cleanup = postgres(base, { max: 1, onnotice: () => {} })
      await cleanup.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
      await cleanup.end()
    },
  }
}

export interface TestAppOptions {
  env?: Record<string, string>
  /** Reuse an existing database (e.g. to test a restart). */
  database?: Database
}

export interface TestApp {
  app: ReturnType<typeof buildApp>
  ctx: AppContext
  config: Config
  database: Database
  logs: LogCapture
  /** app.handle with JSON and auth conveniences. */
  request(method: string, path: string, options?: RequestOptions): Promise<Response>
  createUser(role?: Role, overrides?: { email?: string; password?: string; fullName?: string }): Promise<TestUser>
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

export async function createTestApp(dialect: Dialect = 'sqlite', options: TestAppOptions = {}): Promise<TestApp> {
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

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T
}
