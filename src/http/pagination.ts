import { t, type TSchema } from 'elysia'
import { ValidationFailed, type FieldError } from './errors'

/** Pagination: `page` from 1, `page_size` 1..200, default 50. */
export const PAGE_SIZE_DEFAULT = 50
export const PAGE_SIZE_MAX = 200
/** An unbounded page makes an OFFSET the database rejects: cap it (422 beyond). */
const PAGE_MAX = 1_000_000
/** Ids are 32-bit serials on PostgreSQL: a larger number is a 422, never a driver error. */
export const ID_MAX = 2_147_483_647

/** The query fields every list route takes; out of range or not a number is a 422 naming the field. */
export const PageQuery = {
  page: t.Optional(t.Integer({ minimum: 1, maximum: PAGE_MAX, description: `Page number, from 1; default 1` })),
  page_size: t.Optional(
    t.Integer({ minimum: 1, maximum: PAGE_SIZE_MAX, description: `Items per page, 1..${PAGE_SIZE_MAX}; default ${PAGE_SIZE_DEFAULT}` }),
  ),
}

/** Limit and offset of a page; a 422 naming the field when out of range (services are also called outside HTTP). */
export interface PageRequest {
  page?: number
  page_size?: number
}

/**
 * An optional integer query value within [min, max]: the value, `undefined`
 * when absent, or an error naming only this field. A decimal string is read as
 * its number, so the check holds even where the schema's coercion did not run.
 */
export function queryInteger(field: string, raw: unknown, min: number, max: number, errors: FieldError[]): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined
  const value = typeof raw === 'string' && /^-?\d{1,16}$/.test(raw.trim()) ? Number(raw.trim()) : raw
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value
  errors.push({ field, message: `Expected an integer from ${min} to ${max}` })
  return undefined
}

/**
 * Page window of a list; `maxPageSize` for the one list allowed larger pages.
 * `errors` already found in other fields are answered in the same 422.
 */
export function pageWindow(query: PageRequest, maxPageSize = PAGE_SIZE_MAX, errors: FieldError[] = []) {
  const page = queryInteger('page', query.page, 1, PAGE_MAX, errors) ?? 1
  const pageSize = queryInteger('page_size', query.page_size, 1, maxPageSize, errors) ?? PAGE_SIZE_DEFAULT
  ValidationFailed.throwIfAny(errors)
  return { page, pageSize, offset: (page - 1) * pageSize }
}

/** The page a list answers: `{items, total, page, page_size}`, for the window `pageWindow` gave. */
export function pageOf<T>(items: T[], total: number, window: { page: number; pageSize: number }) {
  return { items, total, page: window.page, page_size: window.pageSize }
}

/** `{items, total, page, page_size}` of the given item schema. */
export function PageOf<T extends TSchema>(item: T, title: string) {
  return t.Object({ items: t.Array(item), total: t.Integer(), page: t.Integer(), page_size: t.Integer() }, { title })
}
