import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { ConfigError } from './variable'

/**
 * The data directory exists (or is created, owner-only, when its parent exists)
 * and is writable; otherwise one line names the variable and the path.
 */
export function ensureDataDir(dir: string, variable = 'DATA_DIR'): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ConfigError(`${variable}: ${dir} is not a directory`, variable)
  } else {
    const parent = dirname(dir)
    if (!existsSync(parent)) throw new ConfigError(`${variable}: ${dir} cannot be created because ${parent} does not exist`, variable)
    try {
      mkdirSync(dir, { mode: 0o700 })
    } catch (error) {
      throw new ConfigError(`${variable}: ${dir} cannot be created (${(error as NodeJS.ErrnoException).code ?? 'error'})`, variable)
    }
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK)
  } catch {
    throw new ConfigError(`${variable}: ${dir} is not writable by this user`, variable)
  }
}
