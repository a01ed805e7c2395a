import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { ensureDataDir } from './data-dir'

export const WEAK_SECRET_KEYS = [
  'development-secret-key-change-in-production',
  'secret',
  'changeme',
  'your-secret-key',
  'supersecret',
  'dev-secret',
  'test-secret',
]
const MIN_SECRET_LENGTH = 32
/** A random 32-character key has about 24 distinct characters; 16 leaves room for hex keys and refuses `aaaa…`, `changeme…`. */
const MIN_SECRET_DISTINCT = 16

/** Why a key is too weak to sign production tokens, or undefined. The key itself never appears in the answer. */
export function secretKeyProblem(key: string | undefined): string | undefined {
  if (key === undefined) return 'SECRET_KEY is not set'
  const trimmed = key.trim()
  if (trimmed === '') return 'SECRET_KEY is only whitespace'
  if (WEAK_SECRET_KEYS.includes(trimmed.toLowerCase())) return 'SECRET_KEY is a known default value'
  if (key.length < MIN_SECRET_LENGTH) return `SECRET_KEY must be at least ${MIN_SECRET_LENGTH} characters`
  // `changeme` four times, `abcd…` repeated: long but guessable.
  if (/^([\s\S]+?)\1+$/.test(trimmed)) return 'SECRET_KEY is a short pattern repeated'
  if (new Set(trimmed).size < MIN_SECRET_DISTINCT)
    return `SECRET_KEY is low in entropy: it needs at least ${MIN_SECRET_DISTINCT} distinct characters (generate one with crm-api secret)`
  return undefined
}

export const randomKey = () => randomBytes(48).toString('base64url')

/** In development a missing key is generated once and kept, so restarts keep sessions. */
export function developmentSecret(dataDir: string): { key: string; source: 'file' | 'generated' } {
  const file = join(dataDir, 'secret.key')
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim()
    if (key.length >= MIN_SECRET_LENGTH) return { key, source: 'file' }
  }
  ensureDataDir(dataDir)
  const key = randomKey()
  writeFileSync(file, `${key}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return { key, source: 'generated' }
}
