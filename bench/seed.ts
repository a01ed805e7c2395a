import { openDatabase, type Database } from '../src/db/client'
import { customerSearchText } from '../src/customers/search'
import type { BenchServer } from './servers'

const FIRST = [
  'James',
  'Mary',
  'John',
  'Patricia',
  'Robert',
  'Jennifer',
  'Michael',
  'Linda',
  'William',
  'Elizabeth',
  'David',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Charles',
  'Karen',
  'Daniel',
  'Nancy',
  'Matthew',
  'Lisa',
  'Anthony',
  'Betty',
  'Mark',
  'Margaret',
  'Donald',
  'Sandra',
  'Steven',
  'Ashley',
  'Paul',
  'Kimberly',
  'Andrew',
  'Emily',
  'Joshua',
  'Donna',
  'Kenneth',
  'Michelle',
  'Kevin',
  'Dorothy',
  'Brian',
  'Carol',
  'George',
  'Amanda',
  'Edward',
  'Melissa',
  'Ronald',
  'Deborah',
  'Anna',
  'Hannah',
  'Joanna',
  'Leanne',
  'Zoë',
  'José',
  'Siobhán',
  'Björn',
]
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Gonzalez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Perez',
  'Thompson',
  'White',
  'Harris',
  'Sanchez',
  'Clark',
  'Ramirez',
  'Lewis',
  'Robinson',
  'Walker',
  'Young',
  'Allen',
  'King',
  'Wright',
  'Scott',
  'Torres',
  'Nguyen',
  'Hill',
  'Flores',
  "O'Brien",
  'Müller',
]
const COMPANY = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Vandelay',
  'Stark',
  'Wayne',
  'Tyrell',
  'Soylent',
  'Cyberdyne',
  'Wonka',
  'Duff',
  'Oceanic',
  'Aperture',
]
const SUFFIX = ['Ltd', 'Inc', 'GmbH', 'LLC', 'Partners', 'Bakery', 'Dental', 'Plumbing']

/** Rows per INSERT: 10 bound values each stays well under SQLite's and PostgreSQL's parameter limits. */
const BATCH = 1000

/** The i-th synthetic customer: the same rows on every dialect, so both answer the same searches. */
function customer(i: number, now: number) {
  const firstName = FIRST[i % FIRST.length]!
  const lastName = LAST[(i * 7) % LAST.length]!
  const email = i % 5 === 4 ? null : `${firstName}.${lastName}${i}@example${i % 13}.com`.toLowerCase().replace(/[^a-z0-9.@]/g, '')
  // Distinct, valid NANP numbers: area codes 200..999, 555 exchange.
  const phone = i % 7 === 6 ? null : `+1${200 + (i % 800)}555${String(Math.floor(i / 800) % 10_000).padStart(4, '0')}`
  const company = i % 3 === 2 ? null : `${COMPANY[i % COMPANY.length]} ${SUFFIX[i % SUFFIX.length]}`
  const at = new Date(now + i * 1000)
  return {
    firstName,
    lastName,
    email,
    phone,
    company,
    notes: i % 4 === 0 ? 'Met at the spring fair; prefers SMS in the afternoon.' : null,
    tags: i % 10 === 0 ? ['vip'] : [],
    searchText: customerSearchText({ firstName, lastName, email, phone, company }),
    createdAt: at,
    updatedAt: at,
  }
}

/**
 * Adds customers number `from` .. `to - 1` through the data layer (drizzle
 * inserts into the customers table, as the service does: triggers and indexes
 * see ordinary inserts). On SQLite one transaction per call; PostgreSQL is
 * analysed afterwards (every table: triggers fill customers_search too), as
 * autovacuum would do on a live database.
 */
async function seedCustomers(database: Database, from: number, to: number): Promise<number> {
  const started = performance.now()
  const { customers } = database.tables
  const now = Date.UTC(2020, 0, 1)
  const insertAll = async () => {
    for (let start = from; start < to; start += BATCH) {
      const rows = []
      for (let i = start; i < Math.min(to, start + BATCH); i++) rows.push(customer(i, now))
      await database.db.insert(customers).values(rows)
    }
  }
  if (database.kind === 'sqlite') {
    database.handle.exec('BEGIN IMMEDIATE')
    try {
      await insertAll()
      database.handle.exec('COMMIT')
    } catch (error) {
      database.handle.exec('ROLLBACK')
      throw error
    }
  } else {
    await insertAll()
    await database.sql`ANALYZE`
  }
  return performance.now() - started
}

/** How many synthetic customers each bench server's database holds, so sections seed on top of one another. */
const seeded = new Map<string, number>()

/** Brings a bench server's database up to `size` synthetic customers (never down). */
export async function seedServerTo(server: BenchServer, size: number): Promise<void> {
  const from = seeded.get(server.url) ?? 0
  if (from >= size) return
  const database = openDatabase(
    server.database.kind === 'sqlite' ? { kind: 'sqlite', path: server.database.path } : { kind: 'postgres', url: server.database.url },
  )
  try {
    const ms = await seedCustomers(database, from, size)
    console.log(`seeded customers ${from}..${size} on ${server.dialect} in ${(ms / 1000).toFixed(1)} s`)
  } finally {
    await database.close()
  }
  seeded.set(server.url, size)
}
