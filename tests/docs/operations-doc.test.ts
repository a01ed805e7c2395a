import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { checklist } from '../../src/cli/check'
import { loadConfig } from '../../src/config'
import { RETIRED_VARIABLES, VARIABLES } from '../../src/config/variables'
import { ROOT } from '../helpers/spawn'

/** The "Production checklist" table of docs/operations.md: item → the severities it documents. */
function documentedItems(): Map<string, Set<string>> {
  const doc = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8')
  const start = doc.indexOf('## Production checklist')
  const section = doc.slice(start, doc.indexOf('\n## ', start + 5))
  const items = new Map<string, Set<string>>()
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim())
    const name = /^`([A-Za-z_]+)`$/.exec(cells[1] ?? '')?.[1]
    if (!name) continue
    const severities = new Set<string>()
    if (cells[2]) severities.add('fail')
    if (cells[3]) severities.add('warn')
    items.set(name, severities)
  }
  return items
}

test('docs/operations.md lists exactly the items of the production rules, with the same severities', () => {
  const declared = new Map<string, Set<string>>()
  for (const { name, production: rule } of VARIABLES) {
    if (!rule) continue
    const severities = new Set<string>()
    if (rule.fails) severities.add('fail')
    if ('warns' in rule && rule.warns) severities.add('warn')
    declared.set(name, severities)
  }
  for (const { name } of RETIRED_VARIABLES) declared.set(name, new Set(['warn']))
  const documented = documentedItems()
  expect([...documented.keys()].sort()).toEqual([...declared.keys()].sort())
  for (const [name, severities] of declared) expect([...documented.get(name)!].sort(), name).toEqual([...severities].sort())
})

test('every item `crm-api check` reports is documented, with its severity', () => {
  const documented = documentedItems()
  const production = { ENVIRONMENT: 'production', SECRET_KEY: `${'k'.repeat(16)}abcdefghijklmnopqrstuvwxyz`, DATA_DIR: '/tmp' }
  const setups = [
    production,
    { ...production, DOCS_ENABLED: 'true', FRONTEND_URL: '*', PUBLIC_URL: 'http://api.example.com', DEBUG: '1' },
    { ...production, FRONTEND_URL: 'https://crm.example.com', PUBLIC_URL: 'https://api.example.com', METRICS_TOKEN: 'token' },
  ]
  const seen = new Set<string>()
  for (const env of setups) {
    for (const item of checklist(env, loadConfig(env, { ensureSecret: false }), [])) {
      seen.add(item.name)
      expect(documented.has(item.name), item.name).toBe(true)
      if (item.status !== 'ok') expect([...documented.get(item.name)!], `${item.name} ${item.status}`).toContain(item.status)
    }
  }
  expect(seen.size).toBeGreaterThan(8)
})
