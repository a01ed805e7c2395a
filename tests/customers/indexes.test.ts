import { expect, test } from 'bun:test'
import { count, eq, isNull } from 'drizzle-orm'
import { describeEachDialect, useTestApp } from '../helpers/harness'
import { createCustomer, listCustomers } from './fixtures'

// The search index and the live counter are kept by triggers (SQLite; on
// PostgreSQL the customers_search copy): they must follow every kind of write,
// also ones made outside the API (a repair script, a future migration).
describeEachDialect('customer search index and totals follow the table', (dialect) => {
  const testApp = useTestApp(dialect, { roles: ['user', 'admin'] })
  const { user, admin } = testApp.users

  async function liveCount() {
    const { customers } = testApp.database.tables
    const [row] = await testApp.database.db.select({ value: count() }).from(customers).where(isNull(customers.deletedAt))
    return row!.value
  }

  async function expectTotalsExact() {
    expect((await listCustomers(testApp, user.token)).total).toBe(await liveCount())
  }

  test('total equals the live rows through creates, soft deletes, restores and hard deletes', async () => {
    const { customers } = testApp.database.tables
    await expectTotalsExact()
    const created = []
    for (let i = 0; i < 4; i++) created.push(await createCustomer(testApp, user.token, { first_name: `Counted${i}`, company: 'Countable' }))
    await expectTotalsExact()
    expect((await listCustomers(testApp, user.token)).total).toBe(4)

    expect((await testApp.request('DELETE', `/api/v2/customers/${created[0]!.id}`, { token: admin.token })).status).toBe(204)
    await expectTotalsExact()
    expect((await listCustomers(testApp, user.token)).total).toBe(3)

    // Restored outside the API: counted and searchable again.
    await testApp.database.db.update(customers).set({ deletedAt: null }).where(eq(customers.id, created[0]!.id))
    await expectTotalsExact()
    expect((await listCustomers(testApp, user.token, { search: 'counted0' })).items.map((c) => c.id)).toEqual([created[0]!.id])

    // Deleted twice at the database level: counted once.
    await testApp.database.db.update(customers).set({ deletedAt: new Date() }).where(eq(customers.id, created[1]!.id))
    await testApp.database.db.update(customers).set({ deletedAt: new Date() }).where(eq(customers.id, created[1]!.id))
    await expectTotalsExact()

    // Hard deletes, of a live and of a soft-deleted row.
    await testApp.database.db.delete(customers).where(eq(customers.id, created[2]!.id))
    await testApp.database.db.delete(customers).where(eq(customers.id, created[1]!.id))
    await expectTotalsExact()
    expect((await listCustomers(testApp, user.token)).total).toBe(2)
    expect((await listCustomers(testApp, user.token, { search: 'countable' })).items.map((c) => c.id).sort()).toEqual(
      [created[0]!.id, created[3]!.id].sort(),
    )
    expect((await listCustomers(testApp, user.token, { search: 'counted2' })).total).toBe(0)
  })

  test('a search_text change made outside the API is searchable at once', async () => {
    const { customers } = testApp.database.tables
    const customer = await createCustomer(testApp, user.token, { first_name: 'Before', last_name: 'Rename' })
    await testApp.database.db.update(customers).set({ searchText: 'after rename' }).where(eq(customers.id, customer.id))
    expect((await listCustomers(testApp, user.token, { search: 'before' })).total).toBe(0)
    expect((await listCustomers(testApp, user.token, { search: 'after ren' })).items.map((c) => c.id)).toEqual([customer.id])
  })
})
