import { describe, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { isDatabaseUnavailable } from '../../src/db/unavailable'
import { freePort } from '../../testkit/server'
import { describeEachDialect, freshDatabase } from '../helpers/harness'

/** The error a real query gives, so the test follows the drivers rather than a list copied from them. */
async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  throw new Error('the query succeeded')
}

describe('which driver errors mean "the database cannot answer" (503, not 500)', () => {
  test("Bun's PostgreSQL client: nothing listening, and a closed pool", async () => {
    const refused = new SQL(`postgres://postgres@127.0.0.1:${freePort()}/postgres`, { max: 1, connectionTimeout: 2 })
    expect(isDatabaseUnavailable(await failureOf(() => refused.unsafe('SELECT 1')))).toBe(true)
    await refused.close()
    expect(isDatabaseUnavailable(await failureOf(() => refused.unsafe('SELECT 1')))).toBe(true)
  })
})

describeEachDialect('driver errors that are the request’s own stay errors', (dialect) => {
  test('a failing statement is not an outage', async () => {
    const { database, drop } = await freshDatabase(dialect)
    try {
      const failing =
        database.kind === 'sqlite'
          ? () => Promise.resolve().then(() => database.handle.query('SELECT * FROM no_such_table').all())
          : () => database.hot.unsafe('SELECT 1/0')
      expect(isDatabaseUnavailable(await failureOf(failing))).toBe(false)
    } finally {
      await database.close()
      await drop()
    }
  })
})

describeEachDialect('the database ending the session', (dialect) => {
  // Only PostgreSQL has a server that can end a session; registered for it alone.
  if (dialect !== 'postgres') return
  test('the server terminating the connection (57P01) is an outage', async () => {
    const { database, drop } = await freshDatabase('postgres')
    try {
      if (database.kind !== 'postgres') throw new Error('expected PostgreSQL')
      const terminated = await failureOf(() => database.hot.unsafe('SELECT pg_terminate_backend(pg_backend_pid())'))
      expect(isDatabaseUnavailable(terminated)).toBe(true)
    } finally {
      await database.close()
      await drop()
    }
  })
})
