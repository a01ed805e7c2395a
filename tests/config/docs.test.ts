import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { configDocuments } from '../../deploy/config-docs'
import { RETIRED_VARIABLES, VARIABLES } from '../../src/config/variables'
import { ROOT } from '../helpers/spawn'

const GUIDES = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)].filter((path) => path.endsWith('.md'))
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const byName = new Map<string, { default: string }>(VARIABLES.map((variable) => [variable.name, variable]))

describe('the documents follow src/config/variables.ts', () => {
  test.each(configDocuments().map((document) => [document.path, document] as const))(
    "%s's generated table is current (npm run docs:config rewrites it)",
    (_path, { current, generated }) => {
      expect(current).toBe(generated)
    },
  )

  test('a table row that starts with a variable names one the server reads', () => {
    const known = new Set([...byName.keys(), ...RETIRED_VARIABLES.map((retired) => retired.name)])
    for (const path of GUIDES) {
      for (const line of read(path).split('\n')) {
        const first = line.startsWith('|') ? (line.split('|')[1] ?? '') : ''
        for (const [, name] of first.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)) expect(known.has(name!), `${path}: ${name}`).toBe(true)
      }
    }
  })

  test("a guide that states a variable's default states the table's", () => {
    let stated = 0
    for (const path of GUIDES) {
      const text = read(path)
      const claims = [
        ...text.matchAll(/`([A-Z][A-Z0-9_]+)` \(default ([^)`\s]+)\)/g),
        ...text.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| default `([^`]+)`/gm),
      ]
      for (const [, name, value] of claims) {
        stated++
        expect(`\`${value}\``, `${path}: ${name}`).toBe(byName.get(name!)?.default ?? 'a variable the server reads')
      }
    }
    expect(stated).toBeGreaterThan(0)
  })
})
