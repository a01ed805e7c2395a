import { t } from 'elysia'
import { CommunicationView } from '../communications/view'
import { PageOf, PageQuery } from '../http/pagination'

export const SEARCH_MAX_LENGTH = 200

export const NAME_MAX = 100
export const EMAIL_MAX = 254
export const COMPANY_MAX = 200
export const NOTES_MAX = 10_000
export const TAG_MAX = 50
export const TAGS_MAX = 50


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
    ...PageQuery,
    search: t.Optional(
      t.String({
        maxLength: SEARCH_MAX_LENGTH,
        description: 'Case-insensitive substring of first name, last name, e-mail, phone or company',
      }),
    ),
  }),
  timelineQuery: t.Object(PageQuery),
  list: PageOf(CustomerView, 'CustomerList'),
  timeline: PageOf(CommunicationView, 'CustomerTimeline'),
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
