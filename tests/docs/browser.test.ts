import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startServer, type RunningServer } from '../helpers/spawn'
import { TEST_SECRET } from '../helpers/harness'

// Debian's Chromium (.ci/run installs it). Missing is a failure, not a skip:
// this test is the proof that the docs pages work without internet access.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

interface Doc {
  paths: Record<string, Record<string, { summary?: string }>>
}

describe('the docs pages in a real browser, offline', () => {
  let server: RunningServer
  let browser: Browser
  let doc: Doc

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`)
    server = await startServer({ env: { SECRET_KEY: TEST_SECRET } })
    doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-extensions',
        '--no-first-run',
      ],
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    if (server) expect(await server.stop()).toBe(0)
  })

  /** Opens a page that may reach only our server; records everything else it tried and every console error. */
  async function open(path: string) {
    const context = await browser.newContext()
    const page = await context.newPage()
    const blocked: string[] = []
    const errors: string[] = []
    await page.route('**/*', (route) => {
      const url = route.request().url()
      if (url.startsWith(`${server.url}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue()
      blocked.push(url)
      return route.abort()
    })
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
    page.on('pageerror', (error) => errors.push(error.message))
    const response = await page.goto(server.url + path, { waitUntil: 'load' })
    expect(response?.status()).toBe(200)
    return { page, blocked, errors, close: () => context.close() }
  }

  function operationCount(): number {
    return Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0)
  }

  async function textOf(page: Page): Promise<string> {
    // biome-ignore lint/performance/useDomNodeTextContent: the visible text is what a reader sees, hidden nodes excluded
    return page.evaluate(() => document.body.innerText)
  }

  test('/docs (Swagger UI) renders every operation', async () => {
    const { page, blocked, errors, close } = await open('/docs')
    try {
      await page.waitForSelector('.opblock', { timeout: 20_000 })
      const operations = await page.locator('.opblock').count()
      expect(operations).toBe(operationCount())
      const text = await textOf(page)
      expect(text).toContain('CRM API')
      expect(text).toContain('/api/v2/auth/login')
      expect(text).toContain('/health')
      expect(blocked).toEqual([])
      expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([])
    } finally {
      await close()
    }
  }, 40_000)

  test('/redoc (ReDoc) renders the operations', async () => {
    const { page, blocked, errors, close } = await open('/redoc')
    try {
      await page.waitForSelector('[data-section-id^="tag/"], [data-section-id^="operation/"]', { timeout: 25_000 })
      const text = await textOf(page)
      expect(text).toContain('CRM API')
      const summaries = Object.values(doc.paths).flatMap((item) =>
        Object.values(item)
          .map((op) => op.summary)
          .filter((s): s is string => !!s),
      )
      expect(summaries.length).toBeGreaterThan(5)
      const shown = summaries.filter((summary) => text.includes(summary))
      expect(shown.length).toBe(summaries.length)
      expect(blocked).toEqual([])
      expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([])
    } finally {
      await close()
    }
  }, 40_000)
})
