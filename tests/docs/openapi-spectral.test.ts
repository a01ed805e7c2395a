import { describe, expect, test } from 'bun:test'
import { Document, Spectral } from '@stoplight/spectral-core'
import * as Parsers from '@stoplight/spectral-parsers'
import { useTestApp } from '../helpers/harness'
import { ruleset } from './spectral-ruleset'

const SEVERITY = ['error', 'warning', 'info', 'hint']

describe('Spectral (OpenAPI and OWASP rules) on /openapi.json', () => {
  const testApp = useTestApp('sqlite', { env: { PUBLIC_URL: 'https://crm.acme.test' } })

  test('reports no error (tests/docs/spectral-ruleset.ts says which rules are off and why)', async () => {
    const source = await (await testApp.request('GET', '/openapi.json')).text()
    const spectral = new Spectral()
    spectral.setRuleset(ruleset)
    const results = await spectral.run(new Document(source, Parsers.Json, 'openapi.json'))
    const errors = results.filter((r) => r.severity === 0).map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`)
    expect(errors).toEqual([])
    // The rules did run: warnings of the OWASP set are reported (and only not fatal).
    expect(results.some((r) => String(r.code).startsWith('owasp:') && SEVERITY[r.severity] === 'warning')).toBe(true)
  }, 60_000)
})
