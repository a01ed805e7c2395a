import { expect, test } from 'bun:test'
import { TokenService } from '../../src/auth/tokens'

const SECRET = 'token-cache-test-secret-that-is-long-enough-0123456789'

test('a token checked before is answered at once; a new or forged one only after the check', async () => {
  const tokens = new TokenService(SECRET, 15)
  const { token } = await tokens.issueAccess(7, 'session-1')
  const first = tokens.verifyAccess(token)
  expect(first).toBeInstanceOf(Promise)
  expect((await first)?.sub).toBe('7')
  // Remembered: no promise, so a signed-in request on SQLite waits on nothing.
  const again = tokens.verifyAccess(token)
  expect(again).not.toBeInstanceOf(Promise)
  expect((again as { sid: string } | undefined)?.sid).toBe('session-1')
  const forged = `${token.slice(0, -2)}xx`
  expect(await tokens.verifyAccess(forged)).toBeUndefined()
  expect(tokens.verifyAccess(forged)).toBeInstanceOf(Promise)
})
