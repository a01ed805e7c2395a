import { beforeAll, expect, test } from 'bun:test'
import { describeEachDialect, errorBody, useTestApp } from '../helpers/harness'
import { containsPattern, customerSearchText, searchNeedles } from '../../src/customers/search'
import { createCustomer, listCustomers, type CustomerBody } from './fixtures'

test('searchNeedles adds the bare digits and the E.164 form of phone-like terms only', () => {
  expect(searchNeedles('  Smith ', 'US')).toEqual(['smith'])
  expect(searchNeedles('555-0143', 'US')).toEqual(['555-0143', '5550143'])
  expect(searchNeedles('(415) 555-0143', 'US')).toEqual(['(415) 555-0143', '4155550143', '+14155550143'])
  expect(searchNeedles('+1415', 'US')).toEqual(['+1415'])
  expect(searchNeedles('07700 900123', 'GB')).toEqual(['07700 900123', '07700900123', '+447700900123'])
  expect(searchNeedles('a-1', 'US')).toEqual(['a-1'])
})

test('containsPattern escapes LIKE wildcards and the escape character', () => {
  expect(containsPattern('50%_off\\')).toBe('%50\\%\\_off\\\\%')
})

test('customerSearchText is the lower-cased searchable fields', () => {
  expect(customerSearchText({ firstName: 'Ann', lastName: 'LEE', email: 'A@B.co', phone: '+1415', company: null })).toBe(
    'ann lee a@b.co +1415',
  )
})

describeEachDialect('customer search', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['user', 'admin'] })
  const { user, admin } = testApp.users
  let grace: CustomerBody
  let linus: CustomerBody
  let percent: CustomerBody
  let underscore: CustomerBody
  let greek: CustomerBody

  const ids = async (search: string) => {
    const list = await listCustomers(testApp, user.token, { search, page_size: 200 })
    return list.items.map((c) => c.id)
  }

  beforeAll(async () => {
    grace = await createCustomer(testApp, user.token, {
      first_name: 'Grace',
      last_name: 'Hopper',
      email: 'amazing.grace@navy.example',
      phone: '(415) 555-0143',
      company: 'Cobol Systems',
    })
    linus = await createCustomer(testApp, user.token, {
      first_name: 'Linus',
      last_name: 'Torvalds',
      email: 'linus@kernel.example',
      phone: '+358 40 1234567',
      company: 'Penguin Oy',
      notes: 'hopper lover',
    })
    percent = await createCustomer(testApp, user.token, { first_name: 'Per', last_name: 'Cent', company: '100% Natural' })
    underscore = await createCustomer(testApp, user.token, { first_name: 'Under', last_name: 'Score', email: 'under_score@example.com' })
    greek = await createCustomer(testApp, user.token, { first_name: 'Ωμέγα', last_name: 'Ἀλφα', company: 'ÄÖÜ GmbH' })
  })

  test('matches each searchable field', async () => {
    expect(await ids('Grace')).toEqual([grace.id])
    expect(await ids('hopper')).toEqual([grace.id]) // not notes: only first/last/email/phone/company
    expect(await ids('navy.example')).toEqual([grace.id])
    expect(await ids('Cobol')).toEqual([grace.id])
    expect(await ids('torvalds')).toEqual([linus.id])
    expect(await ids('kernel')).toEqual([linus.id])
    expect(await ids('penguin oy')).toEqual([linus.id])
  })

  test('is case-insensitive and matches substrings anywhere, short or long', async () => {
    expect(await ids('GRACE')).toEqual([grace.id])
    expect(await ids('rAc')).toEqual([grace.id])
    expect(await ids('opp')).toEqual([grace.id])
    expect(await ids('vald')).toEqual([linus.id])
    expect(await ids('nu')).toEqual([linus.id])
    expect(await ids('grace hopper')).toEqual([grace.id])
    expect(await ids('y')).toEqual(expect.arrayContaining([grace.id, linus.id]))
    expect(await ids('zzzzzz')).toEqual([])
  })

  test('matches non-ASCII text case-insensitively', async () => {
    expect(await ids('ωμέγα')).toEqual([greek.id])
    expect(await ids('ΩΜΈΓΑ')).toEqual([greek.id])
    expect(await ids('äöü')).toEqual([greek.id])
    expect(await ids('ἀλ')).toEqual([greek.id])
  })

  test('finds phone numbers however they are typed', async () => {
    for (const term of ['555-0143', '5550143', '+1415', '+1 415', '(415) 555-0143', '415.555.0143', '4155550143', '0143', '14155550143']) {
      expect({ term, ids: await ids(term) }).toEqual({ term, ids: [grace.id] })
    }
    expect(await ids('+358 40 1234567')).toEqual([linus.id])
    expect(await ids('401234567')).toEqual([linus.id])
  })

  test('LIKE wildcards and quotes in the term are literal; punctuation alone matches nothing', async () => {
    expect(await ids('%')).toEqual([])
    expect(await ids('100%')).toEqual([percent.id])
    expect(await ids('0% n')).toEqual([percent.id])
    expect(await ids('_')).toEqual([])
    expect(await ids('r_s')).toEqual([underscore.id])
    expect(await ids('%%%')).toEqual([])
    expect(await ids('___')).toEqual([])
    expect(await ids('\\')).toEqual([])
    expect(await ids('"')).toEqual([])
    expect(await ids('"grace"')).toEqual([])
    expect(await ids('gr*')).toEqual([])
    expect(await ids('grace OR linus')).toEqual([])
    expect(await ids('NEAR(grace')).toEqual([])
  })

  test('an empty or blank search lists everything', async () => {
    const all = await listCustomers(testApp, user.token)
    expect(all.total).toBe(5)
    expect((await listCustomers(testApp, user.token, { search: '' })).total).toBe(5)
    expect((await listCustomers(testApp, user.token, { search: '  ' })).total).toBe(5)
  })

  test('total counts all matches while items hold one page', async () => {
    const created: number[] = []
    for (let i = 0; i < 7; i++)
      created.push((await createCustomer(testApp, user.token, { first_name: `Batch${i}`, company: 'Totalled Inc' })).id)
    for (const term of ['totalled', 'to']) {
      const page = await listCustomers(testApp, user.token, { search: term, page_size: 3, page: 2 })
      expect(page.total).toBeGreaterThanOrEqual(7)
      expect(page.items.length).toBe(3)
    }
    const exact = await listCustomers(testApp, user.token, { search: 'totalled', page_size: 3, page: 3 })
    expect(exact.total).toBe(7)
    expect(exact.items.map((c) => c.id)).toEqual([created[0]!])
  })

  test('deleted customers are never found; edits are searchable at once', async () => {
    const temp = await createCustomer(testApp, user.token, { first_name: 'Ephemeral', last_name: 'Person' })
    expect(await ids('ephemeral')).toEqual([temp.id])
    expect(await ids('ep')).toContain(temp.id)
    const renamed = await testApp.request('PATCH', `/api/v2/customers/${temp.id}`, {
      token: user.token,
      json: { first_name: 'Transient', company: 'Quux' },
    })
    expect(renamed.status).toBe(200)
    expect(await ids('ephemeral')).toEqual([])
    expect(await ids('transient')).toEqual([temp.id])
    expect(await ids('quux')).toEqual([temp.id])
    // A notes-only change keeps it findable.
    await testApp.request('PATCH', `/api/v2/customers/${temp.id}`, { token: user.token, json: { notes: 'x' } })
    expect(await ids('transient')).toEqual([temp.id])
    expect((await testApp.request('DELETE', `/api/v2/customers/${temp.id}`, { token: admin.token })).status).toBe(204)
    expect(await ids('transient')).toEqual([])
    expect(await ids('tr')).not.toContain(temp.id)
    expect((await listCustomers(testApp, user.token, { search: 'transient' })).total).toBe(0)
  })

  test('a search longer than 200 characters is 422 naming search', async () => {
    const response = await testApp.request('GET', `/api/v2/customers?search=${'a'.repeat(201)}`, { token: user.token })
    expect(response.status).toBe(422)
    expect(((await errorBody(response)).errors ?? []).map((e) => e.field)).toContain('search')
    expect((await listCustomers(testApp, user.token, { search: 'a'.repeat(200) })).total).toBe(0)
  })
})
