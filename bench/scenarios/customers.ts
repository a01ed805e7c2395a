import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { customerSearchText } from '../../src/customers/search'
import { load, type Scenario } from '../lib'

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000)
const ADMIN_EMAIL = 'bench-admin@example.com'
const ADMIN_PASSWORD = 'saffron glacier 0123'

const FIRST = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Daniel', 'Nancy', 'Matthew', 'Lisa', 'Anthony', 'Betty', 'Mark', 'Margaret', 'Donald', 'Sandra', 'Steven', 'Ashley', 'Paul', 'Kimberly', 'Andrew', 'Emily', 'Joshua', 'Donna', 'Kenneth', 'Michelle', 'Kevin', 'Dorothy', 'Brian', 'Carol', 'George', 'Amanda', 'Edward', 'Melissa', 'Ronald', 'Deborah', 'Anna', 'Hannah', 'Joanna', 'Leanne', 'Zoë', 'José', 'Siobhán', 'Björn']
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', "O'Brien", 'Müller']
const COMPANY = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne', 'Tyrell', 'Soylent', 'Cyberdyne', 'Wonka', 'Duff', 'Oceanic', 'Aperture']
const SUFFIX = ['Ltd', 'Inc', 'GmbH', 'LLC', 'Partners', 'Bakery', 'Dental', 'Plumbing']

/**
 * Writes `count` customers straight into the server's SQLite file in one
 * transaction, after the server has run its migrations (the FTS triggers index them).
 */
export function seedCustomers(dbPath: string, count: number): number {
  const started = performance.now()
  const db = new Database(dbPath)
  db.exec('PRAGMA busy_timeout = 10000')
  const insert = db.prepare(
    'INSERT INTO customers (first_name, last_name, email, phone, company, notes, tags, search_text, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const now = Date.now() - count * 1000
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const firstName = FIRST[i % FIRST.length]!
      const lastName = LAST[(i * 7) % LAST.length]!
      const email = i % 5 === 4 ? null : `${firstName}.${lastName}${i}@example${i % 13}.com`.toLowerCase().replace(/[^a-z0-9.@]/g, '')
      // Distinct, valid NANP numbers: area codes 200..999, 555 exchange.
      const phone = i % 7 === 6 ? null : `+1${200 + (i % 800)}555${String(Math.floor(i / 800) % 10_000).padStart(4, '0')}`
      const company = i % 3 === 2 ? null : `${COMPANY[i % COMPANY.length]} ${SUFFIX[i % SUFFIX.length]}`
      const at = now + i * 1000
      insert.run(
        firstName,
        lastName,
        email,
        phone,
        company,
        i % 4 === 0 ? 'Met at the spring fair; prefers SMS in the afternoon.' : null,
        i % 10 === 0 ? '["vip"]' : '[]',
        customerSearchText({ firstName, lastName, email, phone, company }),
        at,
        at,
      )
    }
  })()
  db.close()
  return performance.now() - started
}

/**
 * Customer search at 100,000 customers: `search` of three letters (FTS5
 * trigram), the unfiltered newest-first page, a two-letter term (the LIKE
 * fallback) and a phone fragment, each page_size=20 with a Bearer token.
 */
export const customers: Scenario = {
  name: 'customers',
  env: { ADMIN_EMAIL, ADMIN_PASSWORD },
  async run(server) {
    const seedMs = seedCustomers(join(server.dataDir, 'crm.db'), CUSTOMERS)
    console.log(`seeded ${CUSTOMERS} customers in ${(seedMs / 1000).toFixed(1)} s`)

    const login = await fetch(`${server.url}/api/v2/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    })
    if (login.status !== 200) throw new Error(`bench login failed: ${login.status} ${await login.text()}`)
    const { access_token: token } = (await login.json()) as { access_token: string }
    const headers = { authorization: `Bearer ${token}` }

    const check = await fetch(`${server.url}/api/v2/customers?search=ann&page_size=20`, { headers })
    const sample = (await check.json()) as { total: number }
    console.log(`search=ann matches ${sample.total} customers`)

    const rows = []
    for (const [label, query] of [
      ['search=ann (3 letters, FTS5)', 'search=ann&page_size=20'],
      ['no search, newest first', 'page_size=20'],
      ['search=jo (2 letters, scan)', 'search=jo&page_size=20'],
      ['search=555-012 (phone fragment)', 'search=555-012&page_size=20'],
    ] as const) {
      rows.push(await load(`GET /api/v2/customers?${query} — ${label}`, { url: `${server.url}/api/v2/customers?${query}`, headers }))
    }
    return rows
  },
}
