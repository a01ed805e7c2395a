import { sql } from 'drizzle-orm'
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

// Keep in step with schema.pg.ts: same table names, column names and indexes
// (tests/db/schema-parity.test.ts compares them).

const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' })
const createdAt = (name = 'created_at') => timestamp(name).notNull().default(sql`(cast(unixepoch('subsec') * 1000 as integer))`)

export const users = sqliteTable(
  'api_users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    email: text('email').notNull(),
    fullName: text('full_name').notNull().default(''),
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name').notNull().default(''),
    hashedPassword: text('hashed_password').notNull(),
    role: text('role').notNull().default('user'),
    // Legacy flag: true means at least admin.
    isSuperuser: integer('is_superuser', { mode: 'boolean' }).notNull().default(false),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    lastLoginAt: timestamp('last_login_at'),
    // TOTP secret, AES-GCM encrypted with a key derived from SECRET_KEY; set at setup, active once enabled.
    totpSecret: text('totp_secret'),
    totpEnabledAt: timestamp('totp_enabled_at'),
    // The last accepted TOTP time step: a code is accepted once, never replayed within its window.
    totpLastStep: integer('totp_last_step'),
    createdAt: createdAt(),
    updatedAt: createdAt('updated_at').$onUpdate(() => new Date()),
  },
  (t) => [uniqueIndex('api_users_email_key').on(t.email)],
)

/** One login = one session; its refresh tokens form a family and its access tokens carry its id. */
export const authSessions = sqliteTable(
  'auth_sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at').notNull(),
    revokedAt: timestamp('revoked_at'),
    lastUsedAt: timestamp('last_used_at'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    // Bumped at each rotation; the family's current refresh token is derived from it.
    refreshGeneration: integer('refresh_generation').notNull().default(0),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
)

export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => authSessions.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
)

export const loginAttempts = sqliteTable(
  'login_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    email: text('email').notNull(),
    ip: text('ip').notNull(),
    succeeded: integer('succeeded', { mode: 'boolean' }).notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('login_attempts_email_at_idx').on(t.email, t.at), index('login_attempts_ip_at_idx').on(t.ip, t.at)],
)

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    createdAt: createdAt(),
    action: text('action').notNull(),
    userId: integer('user_id'),
    actorEmail: text('actor_email'),
    target: text('target'),
    ip: text('ip'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
    // Repeated anonymous events (bad signatures, throttled logins) are coalesced into one row per source, reason and minute.
    count: integer('count').notNull().default(1),
  },
  (t) => [index('audit_log_created_idx').on(t.createdAt), index('audit_log_action_idx').on(t.action)],
)

export const customers = sqliteTable(
  'customers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    email: text('email'),
    phone: text('phone'),
    company: text('company'),
    notes: text('notes'),
    addressLine1: text('address_line1'),
    addressLine2: text('address_line2'),
    city: text('city'),
    state: text('state'),
    postalCode: text('postal_code'),
    customerType: text('customer_type'),
    prospectStage: text('prospect_stage'),
    leadSource: text('lead_source'),
    estimatedValue: real('estimated_value'),
    assignedSalesRep: text('assigned_sales_rep'),
    nextFollowUpDate: text('next_follow_up_date'),
    leadNotes: text('lead_notes'),
    // The office's own fields named by CUSTOMER_EXTRA_FIELDS.
    extraFields: text('extra_fields', { mode: 'json' }).$type<Record<string, string | number | boolean | null>>(),
    isArchived: integer('is_archived', { mode: 'boolean' }).notNull().default(false),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    // Lower-cased "first last email phone company", the haystack of `search`.
    // Indexed outside this file by hand-written migrations (drizzle/sqlite/*_customers_search.sql:
    // an FTS5 trigram table kept in step by triggers; *_customers_live_count.sql and
    // *_customers_listed_count.sql: the number of customers neither deleted nor archived).
    // A migration that rebuilds this table drops those triggers and must recreate them.
    searchText: text('search_text').notNull().default(''),
    createdAt: createdAt(),
    updatedAt: createdAt('updated_at'),
    deletedAt: timestamp('deleted_at'),
  },
  (t) => [
    index('customers_phone_idx').on(t.phone),
    index('customers_created_idx').on(t.createdAt),
    // Live rows only: makes the unfiltered list count a scan of a small index.
    index('customers_live_idx').on(t.id).where(sql`${t.deletedAt} is null`),
  ],
)

/** Opt-out state per E.164 number, whether or not a customer has it. */
export const smsOptOuts = sqliteTable('sms_opt_outs', {
  phone: text('phone').primaryKey(),
  optedOut: integer('opted_out', { mode: 'boolean' }).notNull(),
  updatedAt: createdAt('updated_at'),
})

export const communications = sqliteTable(
  'communications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    type: text('type').notNull(),
    direction: text('direction').notNull(),
    status: text('status').notNull(),
    toAddress: text('to_address').notNull(),
    fromAddress: text('from_address'),
    subject: text('subject'),
    content: text('content').notNull(),
    externalId: text('external_id'),
    customerId: integer('customer_id').references(() => customers.id),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    mediaUrls: text('media_urls', { mode: 'json' }).$type<string[]>(),
    // The other party of the exchange (E.164 for SMS): the id of its conversation.
    peerAddress: text('peer_address'),
    readAt: timestamp('read_at'),
    createdAt: createdAt(),
    updatedAt: createdAt('updated_at'),
  },
  (t) => [
    uniqueIndex('communications_external_id_key').on(t.externalId),
    // Partial: most inbound SMS have neither (no user, often no customer), and each index skipped is one less
    // b-tree to write per message; `= ?` on either column implies IS NOT NULL, so lookups still use them.
    index('communications_customer_idx').on(t.customerId, t.createdAt).where(sql`${t.customerId} IS NOT NULL`),
    index('communications_user_idx').on(t.userId, t.createdAt).where(sql`${t.userId} IS NOT NULL`),
    index('communications_created_idx').on(t.createdAt),
    index('communications_peer_idx').on(t.type, t.peerAddress, t.createdAt),
  ],
)

/** One row per accepted SMS per limiter key ("user:7", "dest:+15551234567"); pruned after the longest window. */
export const rateLimitEvents = sqliteTable(
  'rate_limit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('rate_limit_events_key_at_idx').on(t.key, t.at)],
)

/** Ten single-use codes per user, stored hashed; a new set replaces the old. */
export const recoveryCodes = sqliteTable(
  'recovery_codes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('recovery_codes_user_idx').on(t.userId)],
)

/** The second step of a two-factor login: opaque, single use, short-lived. */
export const loginChallenges = sqliteTable(
  'login_challenges',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [index('login_challenges_user_idx').on(t.userId)],
)

/** Password reset links: stored hashed, single use, short-lived. */
export const passwordResetTokens = sqliteTable(
  'password_reset_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [index('password_reset_tokens_user_idx').on(t.userId)],
)
