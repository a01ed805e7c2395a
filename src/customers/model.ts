import { t } from 'elysia'
import { CommunicationView } from '../communications/view'
import { PageOf, PageQuery } from '../http/pagination'
import { LIST_TOTAL_CAP, SEARCH_TOTAL_CAP } from './search'
import { withRawCheck } from '../http/raw-check'
import type { FieldError } from '../http/errors'
import { CUSTOMER_TYPES, EXTRA_TEXT_MAX, PROSPECT_STAGES } from './fields'

const SEARCH_MAX_LENGTH = 200

export const NAME_MAX = 100
export const EMAIL_MAX = 254
export const COMPANY_MAX = 200
export const NOTES_MAX = 10_000
export const TAG_MAX = 50
export const TAGS_MAX = 50
export const ADDRESS_MAX = 200
export const CITY_MAX = 100
export const STATE_MAX = 50
export const POSTAL_CODE_MAX = 20
export const LEAD_SOURCE_MAX = 100
export const SALES_REP_MAX = 100
export const ESTIMATED_VALUE_MAX = 1_000_000_000_000
/** The customer list alone allows pages this large (the SPA asks for 500 at once). */
export const CUSTOMER_PAGE_SIZE_MAX = 500

// A string listing its values: documented as an enum, checked by the validator (which names the allowed values).
const enumOf = (values: readonly string[], description?: string) => t.String({ enum: [...values], description })

/** The public shape of an extra field's value. */
const ExtraValueSchema = t.Union([t.String({ maxLength: EXTRA_TEXT_MAX }), t.Number(), t.Boolean(), t.Null()], {
  description: `The office's own field (CUSTOMER_EXTRA_FIELDS): text of at most ${EXTRA_TEXT_MAX} characters, a number, true/false or null`,
})

const sales = {
  address_line1: t.Nullable(t.String()),
  address_line2: t.Nullable(t.String()),
  city: t.Nullable(t.String()),
  state: t.Nullable(t.String()),
  postal_code: t.Nullable(t.String()),
  customer_type: t.Nullable(enumOf(CUSTOMER_TYPES)),
  prospect_stage: t.Nullable(enumOf(PROSPECT_STAGES)),
  lead_source: t.Nullable(t.String()),
  estimated_value: t.Nullable(t.Number()),
  assigned_sales_rep: t.Nullable(t.String()),
  next_follow_up_date: t.Nullable(t.String({ description: 'YYYY-MM-DD, or an ISO 8601 date and time' })),
  lead_notes: t.Nullable(t.String()),
}

function customerView(extraFields: string[]) {
  return t.Object(
    {
      id: t.Integer(),
      first_name: t.String(),
      last_name: t.String(),
      email: t.Nullable(t.String()),
      phone: t.Nullable(t.String({ description: 'E.164, e.g. +14155550143' })),
      company: t.Nullable(t.String()),
      notes: t.Nullable(t.String()),
      tags: t.Array(t.String()),
      ...sales,
      is_archived: t.Boolean({ description: 'Archived customers leave the default list; they are not deleted' }),
      is_active: t.Boolean({ description: 'The opposite of is_archived' }),
      sms_opt_out: t.Boolean({ description: 'Whether the phone number has opted out of SMS (STOP); read-only' }),
      // Typed as nothing: their names are known only at run time (CustomerViewType allows them).
      ...(Object.fromEntries(extraFields.map((name) => [name, ExtraValueSchema])) as Record<never, never>),
      created_at: t.String({ format: 'date-time' }),
      updated_at: t.String({ format: 'date-time' }),
    },
    { title: 'Customer' },
  )
}

const tags = t.Array(t.String({ minLength: 1, maxLength: TAG_MAX }), {
  maxItems: TAGS_MAX,
  description: `At most ${TAGS_MAX} tags of 1..${TAG_MAX} characters; trimmed, duplicates dropped`,
})

/** Optional text that `null` (or an empty string) clears. */
const clearable = (maxLength: number, description?: string) => t.Optional(t.Nullable(t.String({ maxLength, description })))
const clearableEnum = (values: readonly string[], description: string) =>
  t.Optional(t.Nullable(t.String({ enum: [...values, ''], description })))

function writableFields(extraFields: string[]) {
  const extras = Object.fromEntries(extraFields.map((name) => [name, t.Optional(ExtraValueSchema)])) as Record<never, never>
  return {
    email: clearable(EMAIL_MAX, 'An e-mail address; trimmed, case kept'),
    phone: clearable(40, 'Any common notation; stored as E.164 (numbers without + use DEFAULT_COUNTRY)'),
    company: clearable(COMPANY_MAX),
    notes: clearable(NOTES_MAX),
    address_line1: clearable(ADDRESS_MAX),
    address_line2: clearable(ADDRESS_MAX),
    city: clearable(CITY_MAX),
    state: clearable(STATE_MAX),
    postal_code: clearable(POSTAL_CODE_MAX),
    customer_type: clearableEnum(CUSTOMER_TYPES, `One of ${CUSTOMER_TYPES.join(', ')}; "" or null clears`),
    prospect_stage: clearableEnum(PROSPECT_STAGES, `One of ${PROSPECT_STAGES.join(', ')}; "" or null clears`),
    lead_source: clearable(LEAD_SOURCE_MAX),
    estimated_value: t.Optional(t.Nullable(t.Number({ minimum: 0, maximum: ESTIMATED_VALUE_MAX, description: 'A non-negative amount' }))),
    assigned_sales_rep: clearable(SALES_REP_MAX),
    next_follow_up_date: clearable(40, 'YYYY-MM-DD, or an ISO 8601 date and time'),
    lead_notes: clearable(NOTES_MAX),
    is_archived: t.Optional(t.Boolean({ description: 'true archives, false restores' })),
    is_active: t.Optional(t.Boolean({ description: 'false archives, true restores (the opposite of is_archived)' })),
    ...extras,
  }
}

const name = (label: string) =>
  t.String({ minLength: 1, maxLength: NAME_MAX, description: `${label}, 1..${NAME_MAX} characters after trimming` })

/**
 * The customer schemas of one app: the office's extra fields
 * (CUSTOMER_EXTRA_FIELDS) are part of the bodies, the answers and the
 * document. `rawCheck` runs the service's own checks on a body the schema
 * refused, so one 422 names every bad field.
 */
export function customerModel(extraFields: string[], rawCheck: (body: unknown) => FieldError[]) {
  const customer = customerView(extraFields)
  const writable = writableFields(extraFields)
  return {
    customer,
    listQuery: t.Object({
      page: PageQuery.page,
      page_size: t.Optional(
        t.Integer({ minimum: 1, maximum: CUSTOMER_PAGE_SIZE_MAX, description: `Items per page, 1..${CUSTOMER_PAGE_SIZE_MAX}; default 50` }),
      ),
      search: t.Optional(
        t.String({
          maxLength: SEARCH_MAX_LENGTH,
          description: 'Case-insensitive substring of first name, last name, e-mail, phone or company',
        }),
      ),
      is_archived: t.Optional(t.Boolean({ description: 'true lists archived customers only; default false (archived ones are hidden)' })),
      prospect_stage: t.Optional(
        t.String({ enum: [...PROSPECT_STAGES, ''], description: 'Only customers at this prospect stage ("" means any)' }),
      ),
    }),
    timelineQuery: t.Object(PageQuery),
    list: t.Object(
      {
        items: t.Array(customer),
        total: t.Integer({
          description: `All matches, counted up to ${SEARCH_TOTAL_CAP} with \`search\` and ${LIST_TOTAL_CAP} without (or the end of the requested page, if further); the last page is always exact`,
        }),
        total_is_estimate: t.Boolean({
          description: 'true when more customers match than `total` says: counting stopped at the cap (refine the search, or page on)',
        }),
        page: t.Integer(),
        page_size: t.Integer(),
      },
      { title: 'CustomerList' },
    ),
    timeline: PageOf(CommunicationView, 'CustomerTimeline'),
    // Unknown properties (including the read-only sms_opt_out, id and timestamps) are dropped, not rejected.
    create: withRawCheck(
      t.Object(
        { first_name: name('First name'), last_name: name('Last name'), ...writable, tags: t.Optional(tags) },
        { title: 'CustomerCreate' },
      ),
      rawCheck,
    ),
    update: withRawCheck(
      t.Object(
        {
          first_name: t.Optional(name('First name')),
          last_name: t.Optional(name('Last name')),
          ...writable,
          tags: t.Optional(t.Nullable(tags)),
        },
        { title: 'CustomerUpdate', description: 'Partial update: absent fields stay, null clears an optional field' },
      ),
      rawCheck,
    ),
    // A string, so a non-numeric id is the same 404 as an unknown one.
    idParams: t.Object({ id: t.String({ description: 'Customer id' }) }),
  }
}

const baseView = customerView([])
const baseUpdate = customerModel([], () => []).update
/** A customer as answered: its own fields plus the office's extra fields at the top level. */
export type CustomerViewType = typeof baseView.static & { [extra: string]: unknown }
/** A create or update body: its own fields plus the office's extra fields. */
export type CustomerInput = typeof baseUpdate.static & Partial<Record<string, unknown>>
