import { t } from 'elysia'
import { CommunicationView } from '../communications/view'

export const PAGE_SIZE_DEFAULT = 50
export const PAGE_SIZE_MAX = 200
export const PAGE_MAX = 1_000_000
export const SEARCH_MAX_LENGTH = 200

export const NAME_MAX = 100
export const EMAIL_MAX = 254
export const COMPANY_MAX = 200
export const NOTES_MAX = 10_000
export const TAG_MAX = 50
export const TAGS_MAX = 50

// Ranges of page/page_size are checked in the service, not here: Elysia reports a
// range failure of a coerced query number without its property name, and the
// client must learn which parameter was wrong.
const pageQuery = {
  page: t.Optional(t.Integer({ description: `Page number, from 1 (at most ${PAGE_MAX}); default 1` })),
  page_size: t.Optional(t.Integer({ description: `Items per page, 1..${PAGE_SIZE_MAX}; default ${PAGE_SIZE_DEFAULT}` })),
}

const CustomerView = t.Object(
  {
    id: t.Integer(),
    first_name: t.String(),
    last_name: t.String(),
    email: t.Nullable(t.String()),
    phone: t.Nullable(t.String({ description: 'E.164, e.g. +14155550143' })),
    company: t.Nullable(t.String()),
    notes: t.Nullable(t.String()),
    tags: t.Array(t.String()),
    sms_opt_out: t.Boolean({ description: 'Whether the phone number has opted out of SMS (STOP); read-only' }),
    created_at: t.String({ format: 'date-time' }),
    updated_at: t.String({ format: 'date-time' }),
  },
  { title: 'Customer' },
)

const tags = t.Array(t.String({ minLength: 1, maxLength: TAG_MAX }), {
  maxItems: TAGS_MAX,
  description: `At most ${TAGS_MAX} tags of 1..${TAG_MAX} characters; trimmed, duplicates dropped`,
})

/** Optional text that `null` (or an empty string) clears. */
const clearable = (maxLength: number, description?: string) => t.Optional(t.Nullable(t.String({ maxLength, description })))

const writable = {
  email: clearable(EMAIL_MAX, 'An e-mail address; trimmed, case kept'),
  phone: clearable(40, 'Any common notation; stored as E.164 (numbers without + use DEFAULT_COUNTRY)'),
  company: clearable(COMPANY_MAX),
  notes: clearable(NOTES_MAX),
}

const name = (label: string) => t.String({ minLength: 1, maxLength: NAME_MAX, description: `${label}, 1..${NAME_MAX} characters after trimming` })

export const CustomerModel = {
  customer: CustomerView,
  listQuery: t.Object({
    ...pageQuery,
    search: t.Optional(
      t.String({
        maxLength: SEARCH_MAX_LENGTH,
        description: 'Case-insensitive substring of first name, last name, e-mail, phone or company',
      }),
    ),
  }),
  timelineQuery: t.Object(pageQuery),
  list: t.Object(
    { items: t.Array(CustomerView), total: t.Integer(), page: t.Integer(), page_size: t.Integer() },
    { title: 'CustomerList' },
  ),
  timeline: t.Object(
    { items: t.Array(CommunicationView), total: t.Integer(), page: t.Integer(), page_size: t.Integer() },
    { title: 'CustomerTimeline' },
  ),
  // Unknown properties (including the read-only sms_opt_out, id and timestamps) are dropped, not rejected.
  create: t.Object(
    { first_name: name('First name'), last_name: name('Last name'), ...writable, tags: t.Optional(tags) },
    { title: 'CustomerCreate' },
  ),
  update: t.Object(
    {
      first_name: t.Optional(name('First name')),
      last_name: t.Optional(name('Last name')),
      ...writable,
      tags: t.Optional(t.Nullable(tags)),
    },
    { title: 'CustomerUpdate', description: 'Partial update: absent fields stay, null clears an optional field' },
  ),
  // A string, so a non-numeric id is the same 404 as an unknown one.
  idParams: t.Object({ id: t.String({ description: 'Customer id' }) }),
  error: t.Object({ detail: t.String() }, { title: 'Error' }),
}

export type CustomerViewType = typeof CustomerView.static
export type CustomerCreateInput = typeof CustomerModel.create.static
export type CustomerUpdateInput = typeof CustomerModel.update.static
