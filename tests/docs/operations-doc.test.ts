import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../helpers/spawn'

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

test('docs/operations.md lists exactly the items `crm-api check` checks, with the same severities', () => {
  const source = read('src/cli/check.ts')
  const fromCode = new Map<string, Set<string>>()
  for (const match of source.matchAll(/item\('(ok|warn|fail)', '([A-Za-z_]+)'/g)) {
    const [, status, name] = match
    if (!fromCode.has(name!)) fromCode.set(name!, new Set())
    if (status !== 'ok') fromCode.get(name!)!.add(status!)
  }
  const doc = read('docs/operations.md')
  const section = doc.slice(doc.indexOf('## Production checklist'), doc.indexOf('\n## ', doc.indexOf('## Production checklist') + 5))
  const fromDoc = new Map<string, Set<string>>()
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim())
    const name = /^`([A-Za-z_]+)`$/.exec(cells[1] ?? '')?.[1]
    if (!name) continue
    const severities = new Set<string>()
    if (cells[2]) severities.add('fail')
    if (cells[3]) severities.add('warn')
    fromDoc.set(name, severities)
  }
  expect([...fromDoc.keys()].sort()).toEqual([...fromCode.keys()].sort())
  for (const [name, severities] of fromCode) expect([...fromDoc.get(name)!].sort(), name).toEqual([...severities].sort())
})
