import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  jsonb,
  pgTable,
  serial,
  integer,
  text,
  timestamp as pgTimestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'

// Keep in step with schema.sqlite.ts (tests/db/schema-parity.test.ts compares them).

const timestamp = (name: string) => pgTimestamp(name, { withTimezone: true, mode: 'date', precision: 3 })
const createdAt = (name = 'created_at') => timestamp(name).notNull().defaultNow()

export const users = pgTable(
  'api_users',
  {
    id: serial('id').primaryKey(),
    email: text('email').notNull(),
    fullName: text('full_name').notNull().default(''),
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name').notNull().default(''),
    hashedPassword: text('hashed_password').notNull(),
    role: text('role').notNull().default('user'),
    isSuperuser: boolean('is_superuser').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
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

export const authSessions = pgTable(
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

export const refreshTokens = pgTable(
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

export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: serial('id').primaryKey(),
    email: text('email').notNull(),
    ip: text('ip').notNull(),
    succeeded: boolean('succeeded').notNull(),
    at: bigint('at', { mode: 'number' }).notNull(),
  },
  (t) => [index('login_attempts_email_at_idx').on(t.email, t.at), index('login_attempts_ip_at_idx').on(t.ip, t.at)],
)

export const auditLog = pgTable(
  'audit_log',
  {
    id: serial('id').primaryKey(),
    createdAt: createdAt(),
    action: text('action').notNull(),
    userId: integer('user_id'),
    actorEmail: text('actor_email'),
    target: text('target'),
    ip: text('ip'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    // Repeated anonymous events (bad signatures, throttled logins) are coalesced into one row per source, reason and minute.
    count: integer('count').notNull().default(1),
  },
  (t) => [index('audit_log_created_idx').on(t.createdAt), index('audit_log_action_idx').on(t.action)],
)

export const customers = pgTable(
  'customers',
  {
    id: serial('id').primaryKey(),
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
    estimatedValue: doublePrecision('estimated_value'),
    assignedSalesRep: text('assigned_sales_rep'),
    nextFollowUpDate: text('next_follow_up_date'),
    leadNotes: text('lead_notes'),
    // The office's own fields named by CUSTOMER_EXTRA_FIELDS.
    extraFields: jsonb('extra_fields').$type<Record<string, string | number | boolean | null>>(),
    isArchived: boolean('is_archived').notNull().default(false),
    tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    // Copied with the list filters into customers_search by triggers, where a pg_trgm GIN index serves search
    // (hand-written migration drizzle/pg/0004_customers_search_table.sql; declared in customers/search-store.ts).
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

export const smsOptOuts = pgTable('sms_opt_outs', {
  phone: text('phone').primaryKey(),
  optedOut: boolean('opted_out').notNull(),
  updatedAt: createdAt('updated_at'),
})

export const communications = pgTable(
  'communications',
  {
    id: serial('id').primaryKey(),
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
    mediaUrls: jsonb('media_urls').$type<string[]>(),
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

export const rateLimitEvents = pgTable(
  'rate_limit_events',
  {
    id: serial('id').primaryKey(),
    key: text('key').notNull(),
    at: bigint('at', { mode: 'number' }).notNull(),
  },
  (t) => [index('rate_limit_events_key_at_idx').on(t.key, t.at)],
)

/** Ten single-use codes per user, stored hashed; a new set replaces the old. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: serial('id').primaryKey(),
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
export const loginChallenges = pgTable(
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
export const passwordResetTokens = pgTable(
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
