import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { BINARY, ROOT, startServer } from '../helpers/spawn'
import { bodyAs, signedIn, TEST_SECRET, type Api } from '../helpers/harness'

const ADMIN_EMAIL = 'admin@example.com'
const ADMIN_PASSWORD = 'velvet comet harbor'

async function canConnect(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } })
    socket.end()
    return true
  } catch {
    return false
  }
}

beforeAll(() => {
  if (!existsSync(BINARY)) {
    const build = Bun.spawnSync(['bun', 'run', 'build'], { cwd: ROOT, stdout: 'ignore', stderr: 'pipe' })
    if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`)
  }
})

describe.each([
  ['SIGTERM', 'source'],
  ['SIGINT', 'source'],
  ['SIGTERM', 'binary'],
] as const)('%s (%s)', (signal, kind) => {
  test('drains the in-flight request, refuses new connections, closes the database, exits 0', async () => {
    const server = await startServer({ kind, env: { SECRET_KEY: TEST_SECRET, ADMIN_EMAIL, ADMIN_PASSWORD } })
    const encoder = new TextEncoder()
    const body = JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
    let sendRest: () => void = () => {}
    const restSent = new Promise<void>((resolve) => (sendRest = resolve))
    // A login whose body arrives slowly: half now, half after the signal.
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode(body.slice(0, 10)))
        await restSent
        controller.enqueue(encoder.encode(body.slice(10)))
        controller.close()
      },
    })
    const inFlight = fetch(`${server.url}/api/v2/auth/login`, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit)
    await Bun.sleep(300)

    server.process.kill(signal)
    // The listener closes at once…
    const deadline = Date.now() + 5_000
    while ((await canConnect(server.port)) && Date.now() < deadline) await Bun.sleep(20)
    expect(await canConnect(server.port)).toBe(false)
    // …while the request already in progress still runs to its end.
    expect(server.process.exitCode).toBeNull()
    sendRest()
    const response = await inFlight
    expect(response.status).toBe(200)
    const login = signedIn(await bodyAs<Api['auth']['login']['post']>(response))
    expect(login.user.email).toBe(ADMIN_EMAIL)
    expect(login.access_token).toBeString()

    const code = await server.process.exited
    expect(code).toBe(0)
    const output = server.output()
    expect(output).toContain('draining in-flight requests')
    expect(output).toContain('"msg":"stopped"')
    // A cleanly closed SQLite database checkpoints and removes its WAL file.
    expect(existsSync(join(server.dataDir, 'crm.db'))).toBe(true)
    expect(existsSync(join(server.dataDir, 'crm.db-wal'))).toBe(false)
    await server.stop()
  }, 30_000)
})
