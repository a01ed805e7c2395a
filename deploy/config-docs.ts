// Writes the tables derived from src/config/variables.ts into the documents:
// `bun deploy/config-docs.ts` (= `npm run docs:config`). tests/config/docs.test.ts
// fails while a document differs from what this would write.
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { RETIRED_VARIABLES, VARIABLES } from '../src/config/variables'

const ROOT = resolve(import.meta.dir, '..')

const cell = (text: string) => text.replaceAll('|', '\\|')
const row = (cells: string[]) => `|${cells.map((text) => (text ? ` ${cell(text)} ` : ' ')).join('|')}|`

/** README's Configuration table: every variable, its default and what it does. */
function configurationTable(): string[] {
  return [
    '| variable | default | meaning |',
    '|---|---|---|',
    ...VARIABLES.map((variable) => row([`\`${variable.name}\``, variable.default, variable.doc])),
  ]
}

/** docs/operations.md's Production checklist: each item of `crm-api check`, when it fails and when it warns. */
function checklistTable(): string[] {
  const rows: string[] = []
  for (const { name, production: rule } of VARIABLES) {
    if (!rule) continue
    const warns = 'warns' in rule ? rule.warns?.when : undefined
    rows.push(row([`\`${name}\``, rule.fails?.when ?? '', warns ?? '']))
  }
  for (const { name, warns } of RETIRED_VARIABLES) rows.push(row([`\`${name}\``, '', warns]))
  return ['| item | FAIL when | WARN when |', '|---|---|---|', ...rows]
}

const DOCUMENTS = [
  { path: 'README.md', table: 'configuration table', lines: configurationTable },
  { path: 'docs/operations.md', table: 'checklist table', lines: checklistTable },
]

/** Each document's text as it is and as it should be, with its generated table in place. */
export function configDocuments(): { path: string; current: string; generated: string }[] {
  return DOCUMENTS.map(({ path, table, lines }) => {
    const current = readFileSync(join(ROOT, path), 'utf8')
    const begin = `<!-- ${table}: generated from src/config/variables.ts by \`npm run docs:config\` -->`
    const end = `<!-- end of ${table} -->`
    const from = current.indexOf(begin)
    const to = current.indexOf(end, from)
    if (from < 0 || to < 0) throw new Error(`${path}: the markers of the ${table} are missing (${begin} … ${end})`)
    const generated = `${current.slice(0, from)}${[begin, '', ...lines(), '', end].join('\n')}${current.slice(to + end.length)}`
    return { path, current, generated }
  })
}

if (import.meta.main) {
  for (const { path, current, generated } of configDocuments()) {
    if (generated === current) continue
    writeFileSync(join(ROOT, path), generated)
    console.log(`rewrote the table in ${path}`)
  }
}
