import { join } from 'node:path'
import { ROOT } from '../testkit/server'
import { fmt } from './lib'

/** What the server loads at start, and what it should load only on first use. */
const MODULES: [string, string][] = [
  ['elysia', 'elysia'],
  ['drizzle-orm (bun:sqlite)', 'drizzle-orm/bun-sqlite'],
  ['drizzle-orm (postgres-js) + postgres', 'drizzle-orm/postgres-js'],
  ['pino', 'pino'],
  ['prom-client (whole package)', 'prom-client'],
  ['prom-client/lib/counter (+ registry)', 'prom-client/lib/counter'],
  ['jose (tokens)', 'jose'],
  ['libphonenumber-js', 'libphonenumber-js'],
  ['src/webhooks/signature.ts', join(ROOT, 'src/webhooks/signature.ts')],
  ['nodemailer', 'nodemailer'],
  ['qrcode', 'qrcode'],
  ['@elysiajs/openapi', '@elysiajs/openapi'],
  ['src/docs/document.ts', join(ROOT, 'src/docs/document.ts')],
  ['src/app.ts (everything the server imports)', join(ROOT, 'src/app.ts')],
]

/** RSS a fresh Bun process gains by importing one module (after a full GC), median of three. */
async function cost(specifier: string): Promise<number> {
  const script = `const before = process.memoryUsage().rss; await import(${JSON.stringify(specifier)}); Bun.gc(true); console.log(process.memoryUsage().rss - before)`
  const samples: number[] = []
  for (let i = 0; i < 3; i++) {
    const proc = Bun.spawn([process.execPath, '-e', script], { cwd: ROOT, stdout: 'pipe', stderr: 'ignore' })
    samples.push(Number((await new Response(proc.stdout).text()).trim()) / 1024 / 1024)
    await proc.exited
  }
  return samples.sort((a, b) => a - b)[1]!
}

/** RSS per module, from source (the compiled binary loads bytecode, so absolute figures differ a little). */
export async function runModules() {
  console.log('\n### Resident memory per module (fresh `bun` process each, from source)\n')
  console.log('| module | RSS added, MB | loaded at start? |\n|---|---|---|')
  const lazy = new Set(['nodemailer', 'qrcode', '@elysiajs/openapi', 'src/docs/document.ts', 'libphonenumber-js', 'jose (tokens)'])
  const never = new Set(['prom-client (whole package)'])
  const postgresOnly = new Set(['drizzle-orm (postgres-js) + postgres'])
  for (const [label, specifier] of MODULES) {
    const loaded = never.has(label) ? 'no' : lazy.has(label) ? 'no (first use)' : postgresOnly.has(label) ? 'on PostgreSQL only' : 'yes'
    console.log(`| ${label} | ${fmt(await cost(specifier), 1)} | ${loaded} |`)
  }
}
