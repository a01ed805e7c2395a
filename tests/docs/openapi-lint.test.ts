import { describe, expect, test } from 'bun:test'
import { createConfig, lintFromString } from '@redocly/openapi-core'
import { useTestApp } from '../helpers/harness'

describe('the OpenAPI document is valid OpenAPI 3.1', () => {
  const testApp = useTestApp('sqlite', { env: { PUBLIC_URL: 'https://crm.acme.test' } })

  // /health has no 4xx answer by design, and operation ids are generated.
  test('Redocly finds no problem with the recommended rules', async () => {
    const source = await (await testApp.request('GET', '/openapi.json')).text()
    const config = await createConfig({
      extends: ['recommended'],
      rules: { 'operation-4xx-response': 'off', 'info-license': 'off', 'operation-operationId': 'off' },
    })
    const problems = await lintFromString({ source, absoluteRef: 'openapi.json', config })
    const report = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)
    expect(report).toEqual([])
    expect(JSON.parse(source).servers).toEqual([{ url: 'https://crm.acme.test', 'x-internal': false }])
  }, 30_000)
})
