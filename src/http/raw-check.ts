import type { TSchema } from 'elysia'
import type { FieldError } from './errors'

const RAW_CHECK = 'rawCheck'

/**
 * Attaches a check the error handler runs on a body this schema refused, so
 * one 422 also names the fields only the service can judge (a phone number,
 * an e-mail address) instead of reporting them after the schema errors are
 * fixed. The function is invisible in the document (JSON drops functions).
 */
export function withRawCheck<T extends TSchema>(schema: T, check: (body: unknown) => FieldError[]): T {
  ;(schema as Record<string, unknown>)[RAW_CHECK] = check
  return schema
}

/** The errors of the raw check attached to `schema`, if any. */
export function rawCheckErrors(schema: unknown, body: unknown): FieldError[] {
  const check = schema && typeof schema === 'object' ? (schema as Record<string, unknown>)[RAW_CHECK] : undefined
  return typeof check === 'function' ? (check as (body: unknown) => FieldError[])(body) : []
}
