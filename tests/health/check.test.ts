import { expect, test } from 'bun:test'
import { createTestApp, describeEachDialect } from '../helpers/harness'
import { POSTGRES_CHECK_MAX_AGE_MS } from '../../src/health/check'

describeEachDialect('/health database check', (dialect) => {
  test(dialect === 'postgres'
    ? 'a good check is reused for about a second (no round trip per call), a failure shows after it'
    : 'every call checks: a closed database is 503 at once', async () => {
    const testApp = await createTestApp(dialect)
    try {
      expect((await testApp.request('GET', '/health')).status).toBe(200)
      // The pool is gone: any call that reaches the database fails.
      await testApp.database.close()
      const answers = await Promise.all(Array.from({ length: 20 }, () => testApp.request('GET', '/health')))
      if (dialect === 'sqlite') {
        for (const answer of answers) expect(answer.status).toBe(503)
        return
      }
      // Within the second after a good check nothing reached the (closed) database.
      for (const answer of answers) expect(answer.status).toBe(200)
      await Bun.sleep(POSTGRES_CHECK_MAX_AGE_MS + 100)
      const after = await testApp.request('GET', '/health')
      expect(after.status).toBe(503)
      expect(await after.json()).toMatchObject({ database: 'unavailable' })
      // A failure is not reused either way: still 503, not a cached answer.
      expect((await testApp.request('GET', '/health')).status).toBe(503)
    } finally {
      await testApp.close()
    }
  }, 15_000)
})
