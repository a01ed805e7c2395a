import { ValidationFailed, type FieldError } from '../http/errors'
import { toE164 } from '../phone/normalize'
import { CUSTOMER_TYPES, EXTRA_TEXT_MAX, PROSPECT_STAGES, type ExtraValue } from './fields'
import {
  ADDRESS_MAX,
  CITY_MAX,
  COMPANY_MAX,
  EMAIL_MAX,
  ESTIMATED_VALUE_MAX,
  LEAD_SOURCE_MAX,
  NAME_MAX,
  NOTES_MAX,
  POSTAL_CODE_MAX,
  SALES_REP_MAX,
  STATE_MAX,
  TAG_MAX,
  TAGS_MAX,
} from './model'
import { emailAddressProblem } from '../email/address'

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

/** The optional text columns: body field, column, bound. */
const TEXT_FIELDS = [
  ['email', 'email', EMAIL_MAX],
  ['phone', 'phone', 40],
  ['company', 'company', COMPANY_MAX],
  ['notes', 'notes', NOTES_MAX],
  ['address_line1', 'addressLine1', ADDRESS_MAX],
  ['address_line2', 'addressLine2', ADDRESS_MAX],
  ['city', 'city', CITY_MAX],
  ['state', 'state', STATE_MAX],
  ['postal_code', 'postalCode', POSTAL_CODE_MAX],
  ['lead_source', 'leadSource', LEAD_SOURCE_MAX],
  ['assigned_sales_rep', 'assignedSalesRep', SALES_REP_MAX],
  ['next_follow_up_date', 'nextFollowUpDate', 40],
  ['lead_notes', 'leadNotes', NOTES_MAX],
] as const

type TextColumn = (typeof TEXT_FIELDS)[number][1]

/** The validated, normalised columns present in a body; absent means "leave as it is". */
export type CleanCustomer = Partial<Record<TextColumn, string | null>> & {
  firstName?: string
  lastName?: string
  tags?: string[]
  customerType?: string | null
  prospectStage?: string | null
  estimatedValue?: number | null
  isArchived?: boolean
  extra?: Record<string, ExtraValue>
}

function validDate(text: string): boolean {
  const match = DATE.exec(text)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    !Number.isNaN(Date.parse(text.replace(' ', 'T')))
  )
}

/**
 * Every check of a customer body, collecting all problems so one 422 names
 * every bad field. Values of the wrong type are skipped: the schema reports
 * those (this also runs on bodies the schema refused, see withRawCheck); text
 * no column can hold (NUL) is refused for every route by http/text-input.ts.
 */
export class CustomerValidator {
  constructor(
    private readonly defaultCountry: string,
    private readonly extraFields: string[],
  ) {}

  /** The problems of `body` that the schema cannot see. */
  problems(body: unknown): FieldError[] {
    return this.check(body).errors
  }

  /** The clean columns, or a 422 naming every bad field. */
  clean(body: unknown): CleanCustomer {
    const { out, errors } = this.check(body)
    ValidationFailed.throwIfAny(errors)
    return out
  }

  private check(body: unknown): { out: CleanCustomer; errors: FieldError[] } {
    const input = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
    const errors: FieldError[] = []
    const add = (field: string, message: string) => errors.push({ field, message })
    const out: CleanCustomer = {}

    for (const field of ['first_name', 'last_name'] as const) {
      const value = input[field]
      if (typeof value !== 'string') continue
      const trimmed = value.trim()
      if (trimmed === '') add(field, 'Must not be blank')
      else if (trimmed.length > NAME_MAX) add(field, `Expected at most ${NAME_MAX} characters`)
      else out[field === 'first_name' ? 'firstName' : 'lastName'] = trimmed
    }

    for (const [field, column, max] of TEXT_FIELDS) {
      const value = input[field]
      if (value === null) out[column] = null
      if (typeof value !== 'string') continue
      const trimmed = value.trim()
      if (trimmed.length > max) add(field, `Expected at most ${max} characters`)
      else out[column] = trimmed === '' ? null : trimmed
    }
    const emailProblem = out.email ? emailAddressProblem(out.email) : undefined
    if (emailProblem) add('email', emailProblem)
    if (out.phone) {
      const e164 = toE164(out.phone, this.defaultCountry)
      if (e164) out.phone = e164
      else add('phone', 'Invalid phone number')
    }
    if (out.nextFollowUpDate && !validDate(out.nextFollowUpDate))
      add('next_follow_up_date', 'Expected a date: YYYY-MM-DD or an ISO 8601 date and time')

    for (const [field, column, allowed] of [
      ['customer_type', 'customerType', CUSTOMER_TYPES],
      ['prospect_stage', 'prospectStage', PROSPECT_STAGES],
    ] as const) {
      const value = input[field]
      if (value === null || value === '') out[column] = null
      else if (typeof value === 'string') {
        if ((allowed as readonly string[]).includes(value)) out[column] = value
        else add(field, `Expected one of ${allowed.join(', ')}`)
      }
    }

    const estimated = input.estimated_value
    if (estimated === null) out.estimatedValue = null
    else if (typeof estimated === 'number') {
      if (!Number.isFinite(estimated) || estimated < 0 || estimated > ESTIMATED_VALUE_MAX)
        add('estimated_value', `Expected a number from 0 to ${ESTIMATED_VALUE_MAX}`)
      else out.estimatedValue = estimated
    }

    const tags = input.tags
    if (tags === null) out.tags = []
    else if (Array.isArray(tags) && tags.every((tag) => typeof tag === 'string')) {
      const clean: string[] = []
      for (const raw of tags as string[]) {
        const tag = raw.trim()
        if (tag === '' || tag.length > TAG_MAX) {
          add('tags', `Each tag must be 1 to ${TAG_MAX} characters, without NUL characters`)
          break
        }
        if (!clean.includes(tag)) clean.push(tag)
      }
      if (clean.length > TAGS_MAX) add('tags', `Expected at most ${TAGS_MAX} tags`)
      if (!errors.some((error) => error.field === 'tags')) out.tags = clean
    }

    // is_active is the SPA's name for "not archived"; both may be sent, but they must agree.
    const archived = typeof input.is_archived === 'boolean' ? input.is_archived : undefined
    const active = typeof input.is_active === 'boolean' ? input.is_active : undefined
    if (archived !== undefined && active !== undefined && archived === active)
      add('is_active', 'Contradicts is_archived (is_active is its opposite)')
    else if (archived !== undefined) out.isArchived = archived
    else if (active !== undefined) out.isArchived = !active

    const extra: NonNullable<typeof out.extra> = {}
    for (const name of this.extraFields) {
      const value = input[name]
      if (value === undefined) continue
      if (typeof value === 'string') {
        if (value.length > EXTRA_TEXT_MAX) add(name, `Expected at most ${EXTRA_TEXT_MAX} characters`)
        else extra[name] = value.trim() === '' ? null : value.trim()
      } else if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
        extra[name] = value
      }
    }
    if (Object.keys(extra).length > 0) out.extra = extra
    return { out, errors }
  }
}
