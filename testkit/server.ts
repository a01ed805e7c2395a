/** Starting the real server as a child process: shared by the tests and the benchmarks. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'
import { treaty } from '@elysiajs/eden'
import type { App } from '../src/app'

export const ROOT = resolve(import.meta.dir, '..')
export const BINARY = join(ROOT, 'dist', 'crm-api')
const BUN = process.execPath

export interface RunningServer {
  url: string
  port: number
  process: Subprocess<'ignore', 'pipe', 'pipe'>
  dataDir: string
  /** Everything the server wrote to stdout so far. */
  output(): string
  stop(signal?: NodeJS.Signals): Promise<number>
}

/** A port nothing listens on right now. */
export function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}

/** The command that runs the server: the compiled binary, or the source with this Bun. */
export function serverCommand(kind: 'binary' | 'source', args: string[] = []): string[] {
  return kind === 'binary' ? [BINARY, ...args] : [BUN, join(ROOT, 'src', 'index.ts'), ...args]
}

/** Starts the server on a free port and waits until /health answers. */
export async function startServer(
  options: { kind?: 'binary' | 'source'; env?: Record<string, string>; dataDir?: string; inheritEnv?: boolean; timeoutMs?: number } = {},
): Promise<RunningServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'crm-srv-'))
  const port = options.env?.PORT ? Number(options.env.PORT) : freePort()
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ...options.env,
    PORT: String(port),
  }
  const proc = Bun.spawn(serverCommand(options.kind ?? 'source'), {
    cwd: dataDir,
    env: options.inheritEnv ? { ...process.env, ...env } : env,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let out = ''
  let err = ''
  const decoder = new TextDecoder()
  void (async () => {
    for await (const chunk of proc.stdout) out += decoder.decode(chunk)
  })()
  void (async () => {
    for await (const chunk of proc.stderr) err += decoder.decode(chunk)
  })()
  const deadline = Date.now() + (options.timeoutMs ?? 15_000)
  const url = `http://127.0.0.1:${port}`
  let ready = false
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}: ${err.slice(0, 500)}`)
    const response = await fetch(`${url}/health`).catch(() => undefined)
    if (response) {
      ready = true
      break
    }
    await Bun.sleep(15)
  }
  if (!ready) {
    proc.kill('SIGKILL')
    throw new Error(`server did not start: ${err.slice(0, 500)} ${out.slice(0, 500)}`)
  }
  return {
    url,
    port,
    process: proc,
    dataDir,
    output: () => out + err,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal)
      const code = await proc.exited
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
      return code
    },
  }
}

/** Logs in through POST /api/v2/auth/login of a running server and returns the access token. */
export async function loginOverHttp(baseUrl: string, email: string, password: string): Promise<string> {
  const { data, error, status } = await treaty<App>(baseUrl).api.v2.auth.login.post({ email, password })
  if (!data || !('access_token' in data)) throw new Error(`login failed: ${status} ${JSON.stringify(error?.value ?? data)}`)
  return data.access_token
}
