import { describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config'
import { bannerLine, baseUrl, databaseLocation, firstUserCommand } from '../../src/cli/banner'

const dataDir = () => mkdtempSync(join(tmpdir(), 'crm-banner-'))
const KEY = 'Zq8v-Lr3xT_0mWb9Kc2yHn5pJd7sFg4a'

describe('start-up banner parts', () => {
  test('a PostgreSQL location never shows the credentials', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), SECRET_KEY: KEY, DATABASE_URL: 'postgres://crm:s3cret-pw@db.internal:5433/crm' })
    expect(databaseLocation(config)).toBe('PostgreSQL db.internal:5433/crm')
    const line = bannerLine(config, 8000, 'none', '1.1.0 (commit abc)', {})
    expect(line).not.toContain('s3cret-pw')
    expect(line).not.toContain('crm:')
  })

  test('the URL to open: localhost for a wildcard address, brackets for IPv6', () => {
    expect(baseUrl('0.0.0.0', 8000)).toBe('http://localhost:8000')
    expect(baseUrl('::', 8000)).toBe('http://localhost:8000')
    expect(baseUrl('::1', 8001)).toBe('http://[::1]:8001')
    expect(baseUrl('127.0.0.1', 80)).toBe('http://127.0.0.1:80')
  })

  test('production: no docs, no development secret, and the hint asks for the service environment', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), ENVIRONMENT: 'production', SECRET_KEY: KEY, PUBLIC_URL: 'https://api.example.com' })
    const line = bannerLine(config, 8000, 'none', '1.1.0 (commit abc)', {})
    expect(line).toStartWith('CRM API 1.1.0 (commit abc) listening on http://localhost:8000 | database ')
    expect(line).not.toContain('/docs')
    expect(line).not.toContain('secret')
    expect(firstUserCommand(config, {})).toContain("with this server's environment")
    expect(bannerLine(config, 8000, 'existing', 'v', {})).not.toContain('no users yet')
  })
})
