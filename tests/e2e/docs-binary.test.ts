import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { BINARY, ROOT, startServer } from '../helpers/spawn'

beforeAll(() => {
  if (!existsSync(BINARY)) {
    const build = Bun.spawnSync(['bun', 'run', 'build'], { cwd: ROOT, stdout: 'ignore', stderr: 'pipe' })
    if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`)
  }
})

describe('the executable embeds the docs UIs', () => {
  test('serves the UI bundles from inside itself, started far from node_modules', async () => {
    // startServer runs it in an empty temp directory: nothing to read the files from but the executable.
    const server = await startServer({ kind: 'binary' })
    try {
      for (const [name, source] of [
        ['swagger-ui-bundle.js', 'swagger-ui-dist/swagger-ui-bundle.js'],
        ['swagger-ui.css', 'swagger-ui-dist/swagger-ui.css'],
        ['favicon.png', 'swagger-ui-dist/favicon-32x32.png'],
      ] as const) {
        const response = await fetch(`${server.url}/docs/assets/${name}`)
        expect(response.status).toBe(200)
        expect((await response.arrayBuffer()).byteLength).toBe(statSync(join(ROOT, 'node_modules', source)).size)
      }
      const redoc = await fetch(`${server.url}/docs/assets/redoc.standalone.js`)
      expect(redoc.status).toBe(200)
      const text = await redoc.text()
      expect(text.length).toBeGreaterThan(500_000)
      expect(text).not.toContain('cdn.redoc.ly')
      for (const page of ['/docs', '/redoc', '/openapi.json']) expect((await fetch(server.url + page)).status).toBe(200)
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })
})
