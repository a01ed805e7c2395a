import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'

export const ROOT = resolve(import.meta.dir, '..', '..')
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

/** The command that runs the server: the compiled binary, or the source with this Bun. */
export function serverCommand(kind: 'binary' | 'source', args: string[] = []): string[] {
  return kind === 'binary' ? [BINARY, ...args] : [BUN, join(ROOT, 'src', 'index.ts'), ...args]
}

/** Starts the server on a free port (PORT=0) and waits for its "listening" line and /health. */
export async function startServer(options: {
  kind?: 'binary' | 'source'
  env?: Record<string, string>
  dataDir?: string
  inheritEnv?: boolean
  timeoutMs?: number
} = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'crm-srv-'))
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, ...options.env }
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
  let port = 0
  while (Date.now() < deadline) {
    const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out)
    if (match) {
      port = Number(match[1])
      break
    }
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}: ${err.slice(0, 500)}`)
    await Bun.sleep(20)
  }
  if (!port) {
    proc.kill('SIGKILL')
    throw new Error(`server did not start: ${err.slice(0, 500)} ${out.slice(0, 500)}`)
  }
  const url = `http://127.0.0.1:${port}`
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
