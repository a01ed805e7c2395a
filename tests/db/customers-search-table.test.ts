import { describe, expect, test } from 'bun:test'
import { eq, inArray } from 'drizzle-orm'
import type { PostgresDatabase } from '../../src/db/client'
import { customerSearchText } from '../../src/customers/search'
import { DIALECTS } from '../helpers/harness'
import { useMigratedDatabase } from './migrated'

// PostgreSQL searches a narrow copy of the live customers kept by triggers
// (drizzle/pg/0004_customers_search_table.sql): whatever writes customers,
// the copy must hold exactly the live rows' filter columns and search text.
if (DIALECTS.includes('postgres'))
  describe('customers_search follows the customers table [postgres]', () => {
    const current = useMigratedDatabase('postgres')
    const database = () => current() as PostgresDatabase

    type Copied = { id: number; is_archived: boolean; prospect_stage: string | null; search_text: string }
    async function copy(): Promise<Copied[]> {
      return [...(await database().sql<Copied[]>`SELECT id, is_archived, prospect_stage, search_text FROM customers_search ORDER BY id`)]
    }
    async function liveRows(): Promise<Copied[]> {
      return [
        ...(await database().sql<
          Copied[]
        >`SELECT id, is_archived, prospect_stage, search_text FROM customers WHERE deleted_at IS NULL ORDER BY id`),
      ]
    }
    async function insert(firstName: string, extra: { deletedAt?: Date; isArchived?: boolean } = {}) {
      const { customers } = database().pgTables
      const fields = { firstName, lastName: 'Copy', email: null, phone: null, company: null }
      const [row] = await database()
        .pgDb.insert(customers)
        .values({ ...fields, searchText: customerSearchText(fields), ...extra })
        .returning({ id: customers.id })
      return row!.id
    }

    test('through inserts, updates, archiving, soft and hard deletes, restores and truncation', async () => {
      const { pgDb, pgTables } = database()
      const { customers } = pgTables
      const ids = [await insert('Ada'), await insert('Bo'), await insert('Cy', { deletedAt: new Date() }), await insert('Di')]
      await insert('Ed', { isArchived: true })
      expect(await copy()).toEqual(await liveRows())
      expect((await copy()).length).toBe(4)

      await pgDb.update(customers).set({ searchText: 'renamed', prospectStage: 'lead' }).where(eq(customers.id, ids[0]!))
      await pgDb.update(customers).set({ isArchived: true }).where(eq(customers.id, ids[1]!))
      await pgDb.update(customers).set({ notes: 'not searched' }).where(eq(customers.id, ids[3]!))
      expect(await copy()).toEqual(await liveRows())

      await pgDb.update(customers).set({ deletedAt: new Date() }).where(eq(customers.id, ids[0]!))
      await pgDb.update(customers).set({ deletedAt: null }).where(eq(customers.id, ids[2]!))
      expect(await copy()).toEqual(await liveRows())
      expect((await copy()).map((row) => row.id)).toContain(ids[2]!)
      expect((await copy()).map((row) => row.id)).not.toContain(ids[0]!)

      await pgDb.delete(customers).where(inArray(customers.id, [ids[0]!, ids[3]!]))
      expect(await copy()).toEqual(await liveRows())

      await database().sql`TRUNCATE customers CASCADE`
      expect(await copy()).toEqual([])
      await insert('Fay')
      expect(await copy()).toEqual(await liveRows())
    })
  })
