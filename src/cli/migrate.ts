import type { Config } from '../config'
import { openDatabase } from '../db/client'
import { runMigrations } from '../db/migrate'

export async function runMigrate(config: Config): Promise<number> {
  const database = openDatabase(config.database)
  try {
    await runMigrations(database)
    console.log(`migrations applied (${database.kind})`)
    return 0
  } finally {
    await database.close()
  }
}
