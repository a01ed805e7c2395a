/** Customer field vocabulary shared by the schemas, the validation and the configuration. */

export const CUSTOMER_TYPES = ['residential', 'commercial', 'hoa', 'municipal', 'property_management'] as const
export const PROSPECT_STAGES = ['new_lead', 'contacted', 'qualified', 'quoted', 'negotiation', 'won', 'lost'] as const

/** Every field a customer has of its own; CUSTOMER_EXTRA_FIELDS may not reuse these names. */
export const CUSTOMER_FIELD_NAMES = [
  'id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'company',
  'notes',
  'tags',
  'sms_opt_out',
  'address_line1',
  'address_line2',
  'city',
  'state',
  'postal_code',
  'customer_type',
  'prospect_stage',
  'lead_source',
  'estimated_value',
  'assigned_sales_rep',
  'next_follow_up_date',
  'lead_notes',
  'is_active',
  'is_archived',
  'extra_fields',
  'created_at',
  'updated_at',
  'deleted_at',
] as const

/** Bounds of the office's extra fields: how many, how long a name, how long a text value. */
export const EXTRA_FIELDS_MAX = 50
export const EXTRA_FIELD_NAME = /^[a-z][a-z0-9_]{0,62}$/
export const EXTRA_TEXT_MAX = 1000

/** An extra field holds a scalar only. */
export type ExtraValue = string | number | boolean | null
