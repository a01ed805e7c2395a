import type { Config } from '../config'
import { openDatabase } from '../db/client'
import { runMigrations } from '../db/migrate'

export async function runMigrate(config: Config): Promise<number> {
  const database = await openDatabase(config.database)
  try {
    const { applied, newerThanThisBuild } = await runMigrations(database)
    console.log(
      applied.length
        ? `migrations applied (${database.kind}): ${applied.join(', ')}`
        : `migrations applied (${database.kind}): none pending`,
    )
    if (newerThanThisBuild) console.log('note: the database was migrated by a newer version of crm-api')
    return 0
  } finally {
    await database.close()
  }
}
