import { beforeAll, expect, test } from 'bun:test'
import { CustomerSearch, customerSearchText, SEARCH_TOTAL_CAP } from '../../src/customers/search'
import { createCustomerSearchStore, type CustomerSearchStore, type ListFilter } from '../../src/customers/search-store'
import { describeEachDialect } from '../helpers/harness'
import { useMigratedDatabase } from './migrated'

const PEOPLE = [
  { firstName: 'Anna', lastName: "O'Brien", company: 'Acme' },
  { firstName: 'Bert', lastName: 'Annan', company: 'Bolt' },
  { firstName: 'Carl', lastName: 'Dahl', company: 'Acme', archived: true },
  { firstName: 'Dora', lastName: 'Annex', company: 'Acme', deleted: true },
  { firstName: 'Emil', lastName: 'Ek', company: 'Acme', stage: 'lead' },
  { firstName: 'Fay', lastName: 'Annable', company: '100%_club', stage: 'lead' },
  { firstName: 'Gus', lastName: 'Acmeson', company: 'Acme', tags: ['vip'], extraFields: { floor: 3 }, estimatedValue: 1250.5 },
]

/**
 * The CustomerSearchStore contract, run against the implementation of each
 * database. A store may have no text index or no kept count (undefined), but
 * what it answers must be what a plain scan of the live rows answers.
 */
describeEachDialect('CustomerSearchStore contract', (dialect) => {
  const current = useMigratedDatabase(dialect)
  let store: CustomerSearchStore
  const ids: number[] = []

  beforeAll(async () => {
    const { db, tables } = current()
    for (const person of PEOPLE) {
      const [row] = await db
        .insert(tables.customers)
        .values({
          firstName: person.firstName,
          lastName: person.lastName,
          company: person.company,
          searchText: customerSearchText({ ...person, email: null, phone: null }),
          isArchived: person.archived ?? false,
          deletedAt: person.deleted ? new Date() : null,
          prospectStage: person.stage ?? null,
          tags: person.tags ?? [],
          extraFields: person.extraFields ?? null,
          estimatedValue: person.estimatedValue ?? null,
        })
        .returning({ id: tables.customers.id })
      ids.push(row!.id)
    }
    store = createCustomerSearchStore(current())
  })

  /** The ids a scan finds: live rows of the filter whose text holds any needle, newest first. */
  function scan(needles: string[], filter: ListFilter): number[] {
    return PEOPLE.map((person, i) => ({ person, id: ids[i]! }))
      .filter(({ person }) => !person.deleted && (person.archived ?? false) === filter.archived)
      .filter(({ person }) => filter.prospectStage === undefined || person.stage === filter.prospectStage)
      .filter(({ person }) => needles.some((needle) => customerSearchText({ ...person, email: null, phone: null }).includes(needle)))
      .map(({ id }) => id)
      .reverse()
  }

  test('countsAlongside is a fixed choice of the store', () => {
    expect(typeof store.countsAlongside).toBe('boolean')
  })

  test('the kept count, when there is one, is the number of live, unarchived customers', () => {
    const kept = store.liveCount()
    if (kept !== undefined) expect(kept).toBe(PEOPLE.filter((p) => !p.deleted && !p.archived).length)
  })

  const cases: [string, string[], ListFilter][] = [
    ['a name part', ['ann'], { archived: false }],
    ['two needles', ['acme', 'bolt'], { archived: false }],
    ['an apostrophe', ["o'brien"], { archived: false }],
    ['LIKE wildcards taken literally', ['100%_'], { archived: false }],
    ['archived only', ['acme'], { archived: true }],
    ['a prospect stage', ['ann'], { archived: false, prospectStage: 'lead' }],
    ['no match', ['zzz'], { archived: false }],
    ['short needles', ['an'], { archived: false }],
  ]
  /** What CustomerSearch asks a store for one page. */
  function matchQuery(needles: string[], filter: ListFilter, limit: number, offset: number) {
    return { needles, filter, limit, offset, countLimit: Math.max(SEARCH_TOTAL_CAP, offset + limit) + 1 }
  }

  for (const [name, needles, filter] of cases) {
    test(`indexed matches, when the store has a way of its own for them, are what a scan finds: ${name}`, async () => {
      const expected = scan(needles, filter)
      const all = await store.indexedMatches(matchQuery(needles, filter, 50, 0))
      if (all === undefined) return
      expect(all.ids).toEqual(expected)
      if (all.rows) expect(all.rows.map((row) => row.id)).toEqual(expected)
      expect(await all.countUpTo(1000)).toBe(expected.length)
      expect(await all.countUpTo(1)).toBe(Math.min(1, expected.length))
      const second = await store.indexedMatches(matchQuery(needles, filter, 1, 1))
      expect(second?.ids).toEqual(expected.slice(1, 2))
      // Past the last match: no row carries the count, which must still be right.
      const beyond = await store.indexedMatches(matchQuery(needles, filter, 1, expected.length + 1))
      expect(beyond?.ids).toEqual([])
      expect(await beyond?.countUpTo(1000)).toBe(expected.length)
    })

    test(`CustomerSearch over this store finds what a scan finds: ${name}`, async () => {
      const expected = scan(needles, filter)
      const found = await new CustomerSearch(current()).find(needles, filter, 50, 0)
      expect(found).toMatchObject({ ids: expected, total: expected.length, totalIsEstimate: false })
      const second = await new CustomerSearch(current()).find(needles, filter, 1, 1)
      expect(second.ids).toEqual(expected.slice(1, 2))
    })
  }

  test('however far a store counts, the page and count are what a scan finds', async () => {
    const expected = scan(['acme'], { archived: false })
    expect(expected.length).toBeGreaterThan(2)
    for (const countLimit of [1, 2, expected.length, expected.length + 1])
      for (const [limit, offset] of [
        [1, 0],
        [2, 1],
        [50, 0],
      ] as const) {
        const found = await store.indexedMatches({ ...matchQuery(['acme'], { archived: false }, limit, offset), countLimit })
        if (found === undefined) return
        expect(found.ids).toEqual(expected.slice(offset, offset + limit))
        expect(await found.countUpTo(countLimit)).toBe(Math.min(countLimit, expected.length))
        expect(await found.countUpTo(1000)).toBe(expected.length)
      }
  })

  test('the rows a search reads with its page are the rows the query builder reads', async () => {
    const found = await store.indexedMatches(matchQuery(['acme', 'ann'], { archived: false }, 50, 0))
    if (found?.rows === undefined) return
    expect(found.rows.some((row) => row.tags.length > 0 && row.extraFields !== null && row.estimatedValue !== null)).toBe(true)
    expect(found.rows).toEqual(await new CustomerSearch(current()).rows(found.ids))
  })

  if (dialect === 'sqlite')
    test('SQLite serves needles of three or more characters from its FTS index, shorter ones by LIKE', () => {
      expect(store.indexedMatches(matchQuery(['ann'], { archived: false }, 10, 0))).toBeDefined()
      expect(store.indexedMatches(matchQuery(['an'], { archived: false }, 10, 0))).toBeUndefined()
    })

  if (dialect === 'postgres')
    test('PostgreSQL answers every search in one statement, rows and count together', async () => {
      const found = await store.indexedMatches(matchQuery(['an'], { archived: false }, 10, 0))
      expect(found?.rows?.map((row) => row.id)).toEqual(found?.ids)
    })

  test('the plain list: live rows of the filter, newest first, with their total', async () => {
    for (const filter of [{ archived: false }, { archived: true }, { archived: false, prospectStage: 'lead' }]) {
      const listed = await new CustomerSearch(current()).listed(filter, 1, 0)
      const live = scan([''], filter)
      expect(listed.rows.map((row) => row.id)).toEqual(live.slice(0, 1))
      expect(listed).toMatchObject({ total: live.length, totalIsEstimate: false })
    }
  })
})
