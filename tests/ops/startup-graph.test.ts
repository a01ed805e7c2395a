import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { ROOT } from '../helpers/spawn'

interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>
}

/**
 * The modules a server evaluates at start: everything src/index.ts reaches through
 * static imports. A dynamic import() or a require() inside a function is loaded
 * on first use, so it is not followed.
 */
async function startGraph(): Promise<string[]> {
  const result = await Bun.build({
    entrypoints: [join(ROOT, 'src/index.ts')],
    target: 'bun',
    format: 'esm',
    splitting: true,
    metafile: true,
    throw: true,
  })
  // Typed as JSON text; Bun 1.4.5 hands over the parsed object.
  const meta: unknown = result.metafile
  const { inputs } = (typeof meta === 'string' ? JSON.parse(meta) : meta) as Metafile
  const entry = Object.keys(inputs).find((path) => path.endsWith('src/index.ts'))!
  const reached = new Set([entry])
  const queue = [entry]
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    for (const imported of inputs[path]?.imports ?? []) {
      if (imported.kind !== 'import-statement' || imported.external || reached.has(imported.path)) continue
      reached.add(imported.path)
      queue.push(imported.path)
    }
  }
  return [...reached]
}

test('what only some servers or some requests need is not loaded at start', async () => {
  const graph = await startGraph()
  expect(graph.some((path) => path.includes('node_modules/elysia/'))).toBe(true)
  for (const lazy of [
    // PostgreSQL servers only (src/db/postgres.ts); drizzle's pg-core is not listed: the search store declares a pg table at load
    'node_modules/postgres/',
    'node_modules/drizzle-orm/postgres-js/',
    'src/db/schema.pg.ts',
    // the first phone number parsed (src/phone/normalize.ts)
    'node_modules/libphonenumber-js/',
    // the first e-mail, two-factor set-up, OpenAPI document
    'node_modules/nodemailer/',
    'node_modules/qrcode/',
    'node_modules/@elysiajs/openapi/',
    // the first two-factor set-up or sign-in (src/auth/two-factor/totp.ts)
    'node_modules/otpauth/',
    // the first token signed or checked (src/auth/tokens.ts)
    'node_modules/jose/',
  ]) {
    expect(graph.filter((path) => path.includes(lazy))).toEqual([])
  }
}, 30_000)
