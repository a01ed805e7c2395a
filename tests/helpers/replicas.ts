import { DEFAULT_PASSWORD, freshDatabase, TEST_SECRET, type Dialect } from './harness'
import { loginOverHttp, startServer, type RunningServer } from './spawn'
import { runMigrations } from '../../src/db/migrate'
import { UserService } from '../../src/users/service'

export interface Replicas {
  servers: RunningServer[]
  /** One access token per email, each logged in through server `i % servers.length`. */
  tokens: string[]
  close(): Promise<void>
}

/**
 * Several real server processes on one fresh database (PostgreSQL, or one
 * SQLite file), with `emails` as users who are logged in already and
 * `admins` as admin users who are not.
 */
export async function startReplicas(
  dialect: Dialect,
  options: { emails: string[]; env: Record<string, string>; count?: number; kind?: 'binary' | 'source'; admins?: string[] },
): Promise<Replicas> {
  const fresh = await freshDatabase(dialect)
  await runMigrations(fresh.database)
  const users = new UserService(fresh.database)
  for (const email of options.emails) await users.create({ email, password: DEFAULT_PASSWORD, role: 'user' })
  for (const email of options.admins ?? []) await users.create({ email, password: DEFAULT_PASSWORD, role: 'admin' })
  // SQLite: this process lets go of the file, so only the servers share it.
  if (dialect === 'sqlite') await fresh.database.close()
  const env = { DATABASE_URL: fresh.url, SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'warn', ...options.env }
  const servers = await Promise.all(
    Array.from({ length: options.count ?? 2 }, () => startServer({ env, kind: options.kind, timeoutMs: 30_000 })),
  )
  const tokens: string[] = []
  for (const [i, email] of options.emails.entries())
    tokens.push(await loginOverHttp(servers[i % servers.length]!.url, email, DEFAULT_PASSWORD))
  return {
    servers,
    tokens,
    async close() {
      await Promise.all(servers.map((s) => s.stop()))
      await fresh.drop()
    },
  }
}
