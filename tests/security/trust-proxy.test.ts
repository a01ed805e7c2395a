import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { loadConfig } from '../../src/config'
import { forwardedClientIp } from '../../src/http/client-ip'
import { createTestApp, describeEachDialect } from '../helpers/harness'
import { login } from './support'

describe('TRUST_PROXY is a number of trusted hops', () => {
  test('true is one hop, false and 0 are none, a number is that many', () => {
    const hops = (value?: string) =>
      loadConfig({ DATA_DIR: '/tmp/crm-trust-proxy', SECRET_KEY: 'x'.repeat(40), ...(value === undefined ? {} : { TRUST_PROXY: value }) })
        .trustProxy
    expect(hops()).toBe(0)
    expect(hops('false')).toBe(0)
    expect(hops('0')).toBe(0)
    expect(hops('true')).toBe(1)
    expect(hops('1')).toBe(1)
    expect(hops('2')).toBe(2)
    expect(() => hops('maybe')).toThrow('TRUST_PROXY')
    expect(() => hops('-1')).toThrow('TRUST_PROXY')
  })

  test('the address is taken that many entries from the right, never a client-written one', () => {
    // One proxy appended the address it saw; everything to its left came from the client.
    expect(forwardedClientIp('6.6.6.6, 203.0.113.9', 1)).toBe('203.0.113.9')
    expect(forwardedClientIp('203.0.113.9', 1)).toBe('203.0.113.9')
    // Two proxies: the outer one appended the client, the inner one the outer proxy.
    expect(forwardedClientIp('6.6.6.6, 203.0.113.9, 10.0.0.2', 2)).toBe('203.0.113.9')
    expect(forwardedClientIp('2001:db8::1, 10.0.0.2', 2)).toBe('2001:db8::1')
    // Not an address: not trusted.
    expect(forwardedClientIp('<script>alert(1)</script>', 1)).toBeUndefined()
    expect(forwardedClientIp('203.0.113.9:4711', 1)).toBeUndefined()
    expect(forwardedClientIp('unknown', 1)).toBeUndefined()
    expect(forwardedClientIp('203.0.113.9', 0)).toBeUndefined()
    expect(forwardedClientIp(null, 1)).toBeUndefined()
  })
})

describeEachDialect('TRUST_PROXY: a client cannot choose its IP', (dialect) => {
  test('a forged leftmost X-Forwarded-For does not open a fresh per-IP login bucket', async () => {
    const testApp = await createTestApp(dialect, { env: { LOGIN_MAX_FAILURES_PER_IP: '3', TRUST_PROXY: 'true' } })
    try {
      // The attacker writes a new address each time; the proxy appends the real one.
      for (let i = 0; i < 3; i++) {
        const response = await login(testApp, `spoofed${i}@example.com`, 'wrong-password-z', {
          'x-forwarded-for': `192.0.2.${i}, 203.0.113.50`,
        })
        expect(response.status).toBe(401)
      }
      const blocked = await login(testApp, 'spoofed9@example.com', 'wrong-password-z', { 'x-forwarded-for': '192.0.2.99, 203.0.113.50' })
      expect(blocked.status).toBe(429)
      // Another real client is unaffected.
      expect(
        (await login(testApp, 'spoofed9@example.com', 'wrong-password-z', { 'x-forwarded-for': '192.0.2.99, 198.51.100.7' })).status,
      ).toBe(401)
    } finally {
      await testApp.close()
    }
  }, 30_000)

  test('markup in X-Forwarded-For never reaches the audit log', async () => {
    const testApp = await createTestApp(dialect, { env: { TRUST_PROXY: 'true' } })
    try {
      const email = 'markup@example.com'
      expect((await login(testApp, email, 'wrong-password-z', { 'x-forwarded-for': '<script>alert(1)</script>' })).status).toBe(401)
      expect((await login(testApp, email, 'wrong-password-z', { 'x-forwarded-for': '203.0.113.9, <img src=x>' })).status).toBe(401)
      expect((await login(testApp, email, 'wrong-password-z', { 'x-forwarded-for': '<b>, 203.0.113.9' })).status).toBe(401)
      const { auditLog } = testApp.database.tables
      const rows = await testApp.database.db.select().from(auditLog).where(eq(auditLog.actorEmail, email))
      expect(rows.length).toBeGreaterThan(0)
      for (const row of rows) expect(row.ip ?? '').not.toContain('<')
      expect(rows.map((row) => row.ip)).toContain('203.0.113.9')
    } finally {
      await testApp.close()
    }
  }, 30_000)

  test('with two hops the address the outer proxy saw is used', async () => {
    const testApp = await createTestApp(dialect, { env: { LOGIN_MAX_FAILURES_PER_IP: '2', TRUST_PROXY: '2' } })
    try {
      for (let i = 0; i < 2; i++)
        await login(testApp, `hop${i}@example.com`, 'wrong-password-z', { 'x-forwarded-for': `192.0.2.${i}, 203.0.113.60, 10.0.0.2` })
      expect(
        (await login(testApp, 'hop9@example.com', 'wrong-password-z', { 'x-forwarded-for': '192.0.2.77, 203.0.113.60, 10.0.0.2' })).status,
      ).toBe(429)
    } finally {
      await testApp.close()
    }
  }, 30_000)
})
