import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { ValidationFailed } from './errors'

const MAX_DEPTH = 16

/** The first string that no database column may hold the same way on both dialects, with where it is. */
function unstorableText(value: unknown, field: string, depth = 0): { field: string; message: string } | undefined {
  if (typeof value === 'string') {
    // PostgreSQL text cannot hold NUL (SQLite can): refused everywhere alike.
    if (value.includes('\u0000')) return { field, message: 'Must not contain NUL characters' }
    // A lone surrogate is not Unicode: PostgreSQL jsonb refuses it, text silently turns it into U+FFFD.
    if (!value.isWellFormed()) return { field, message: 'Must be valid Unicode text' }
    return undefined
  }
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return undefined
  for (const [key, child] of Object.entries(value)) {
    const found = unstorableText(child, field ? `${field}.${key}` : key, depth + 1)
    if (found) return found
  }
  return undefined
}

/**
 * 422 for JSON bodies and query strings carrying text the database cannot
 * store as given. Runs after authentication and schema validation (so only the
 * fields a route accepts are looked at) and before any handler touches data,
 * on the routes of the instance that uses it (the /api/v2 group).
 */
export function textInput(ctx: AppContext) {
  return new Elysia({ name: 'text-input', seed: ctx.id }).onBeforeHandle({ as: 'scoped' }, ({ body, query }) => {
    const found = unstorableText(body, '') ?? unstorableText(query, '')
    if (found) throw ValidationFailed.field(found.field || 'body', found.message)
  })
}
