/**
 * A peer for `bun run bench` (section peers): Express 5 + better-sqlite3 on
 * Node doing the product's per-request work on the product's SQLite file, read-only.
 *   PEER_DB=path PEER_SECRET=key PEER_PERMISSIONS='{"user": [...]}' PORT=n node bench/peers/express/server.mjs
 * Per request, as bench/ceiling.ts does: a request id (a sane incoming
 * X-Request-Id, else a UUID), the security headers, a request counter and
 * duration histogram, JSON. /health: one prepared `SELECT 1`. /api/v2/auth/me
 * and the customer list: a Bearer token (HS256) checked once per token, one
 * prepared user + session lookup, and the product's body. The customer search
 * takes the product's SQLite path for a term of 3+ characters: the FTS5
 * trigram page, the capped count, the opt-out lookup of the page's phones.
 * GET /original/… searches as the FastAPI service this product replaces does.
 */
import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import express from 'express'
import { iso, meBody, requestSeries, SAFE_REQUEST_ID, SECURITY_HEADERS, tokenCheck } from '../../per-request-work.mjs'

const db = new Database(process.env.PEER_DB, { readonly: true })
db.pragma('busy_timeout = 5000')
const secret = process.env.PEER_SECRET
// The product's permission table, handed over by the bench so the two cannot drift apart.
const permissions = JSON.parse(process.env.PEER_PERMISSIONS)
const RANK = { user: 0, admin: 1, superuser: 2 }

const ping = db.prepare('SELECT 1').pluck()
const lookup = db
  .prepare(
    `SELECT u.id, u.email, u.full_name, u.role, u.is_superuser, u.is_active, u.created_at,
            (SELECT coalesce(s.revoked_at, 0) FROM auth_sessions s WHERE s.id = ? AND s.user_id = u.id),
            u.totp_enabled_at IS NOT NULL, u.first_name, u.last_name, u.last_login_at
       FROM api_users u WHERE u.id = ?`,
  )
  .raw()
const page = db.prepare(
  `SELECT id, first_name, last_name, email, phone, company, notes, address_line1, address_line2, city, state, postal_code,
          customer_type, prospect_stage, lead_source, estimated_value, assigned_sales_rep, next_follow_up_date, lead_notes,
          is_archived, tags, created_at, updated_at
     FROM customers WHERE id IN (
       SELECT f.rowid FROM customers_fts f JOIN customers c ON c.id = f.rowid
        WHERE customers_fts MATCH ? AND c.is_archived = ? ORDER BY f.rowid DESC LIMIT ? OFFSET ?)
    ORDER BY id DESC`,
)
const count = db
  .prepare(
    `SELECT count(*) FROM (SELECT 1 FROM customers_fts f JOIN customers c ON c.id = f.rowid
      WHERE customers_fts MATCH ? AND c.is_archived = ? LIMIT ?)`,
  )
  .pluck()
// The FastAPI service this product replaces searches with ILIKE over names, e-mail and phone (SQLAlchemy
// renders it as lower(x) LIKE lower(?) on SQLite), newest first, and counts every match: GET /original/…
const ORIGINAL_MATCH = `is_archived = 0 AND deleted_at IS NULL AND (lower(first_name) LIKE lower(@needle) OR lower(last_name) LIKE lower(@needle)
  OR lower(email) LIKE lower(@needle) OR lower(phone) LIKE lower(@needle) OR lower(first_name || ' ' || last_name) LIKE lower(@needle))`
const originalPage = db.prepare(
  `SELECT id, first_name, last_name, email, phone, company, notes, address_line1, address_line2, city, state, postal_code,
          customer_type, prospect_stage, lead_source, estimated_value, assigned_sales_rep, next_follow_up_date, lead_notes,
          is_archived, tags, created_at, updated_at
     FROM customers WHERE ${ORIGINAL_MATCH} ORDER BY created_at DESC LIMIT @limit OFFSET @offset`,
)
const originalCount = db.prepare(`SELECT count(*) FROM customers WHERE ${ORIGINAL_MATCH}`).pluck()
const optOuts = new Map()
const SEARCH_TOTAL_CAP = 1000

const observe = requestSeries()
const verify = tokenCheck(secret)

function effectiveRole(role, isSuperuser) {
  const stored = role in RANK ? role : 'user'
  return isSuperuser && RANK[stored] < RANK.admin ? 'admin' : stored
}

function json(res, status, body) {
  res.status(status).set('content-type', 'application/json').send(JSON.stringify(body))
}

const app = express()
// Neither is part of the product's answer: no X-Powered-By, no ETag hashed over every body.
app.disable('x-powered-by')
app.set('etag', false)

app.use((req, res, next) => {
  const started = performance.now()
  const incoming = req.get('x-request-id')
  res.set(SECURITY_HEADERS)
  res.set('x-request-id', incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID())
  res.on('finish', () => observe(req.path, res.statusCode, (performance.now() - started) / 1000))
  next()
})

/** One user + session lookup per request; role and active state come from the database, never the token. */
function authenticate(req, res, next) {
  const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')
  const claims = match ? verify(match[1]) : undefined
  const row = claims ? lookup.get(claims.sid, claims.sub) : undefined
  if (!row || row[7] === null || row[7] !== 0 || !row[5]) {
    if (req.path.startsWith('/api/v2/auth/')) res.set('cache-control', 'no-store')
    return json(res, 401, { detail: 'Not authenticated' })
  }
  res.locals.user = row
  next()
}

app.get('/health', (_req, res) => {
  ping.get()
  json(res, 200, { status: 'ok', database: 'ok', version: '1.1.0', commit: '0123456789ab' })
})

app.get('/api/v2/auth/me', authenticate, (_req, res) => {
  const row = res.locals.user
  const role = effectiveRole(row[3], Boolean(row[4]))
  res.set('cache-control', 'no-store')
  json(res, 200, meBody(row, role, permissions[role]))
})

function optedOutAmong(phones) {
  if (!phones.length) return new Set()
  let statement = optOuts.get(phones.length)
  if (!statement) {
    statement = db.prepare(`SELECT phone FROM sms_opt_outs WHERE opted_out = 1 AND phone IN (${phones.map(() => '?').join(',')})`).pluck()
    optOuts.set(phones.length, statement)
  }
  return new Set(statement.all(...phones))
}

function customerView(row, optedOut) {
  return {
    id: row.id,
    first_name: row.first_name,
    last_name: row.last_name,
    email: row.email,
    phone: row.phone,
    company: row.company,
    notes: row.notes,
    tags: row.tags ? JSON.parse(row.tags) : [],
    address_line1: row.address_line1,
    address_line2: row.address_line2,
    city: row.city,
    state: row.state,
    postal_code: row.postal_code,
    customer_type: row.customer_type,
    prospect_stage: row.prospect_stage,
    lead_source: row.lead_source,
    estimated_value: row.estimated_value,
    assigned_sales_rep: row.assigned_sales_rep,
    next_follow_up_date: row.next_follow_up_date,
    lead_notes: row.lead_notes,
    is_archived: Boolean(row.is_archived),
    is_active: !row.is_archived,
    sms_opt_out: row.phone !== null && optedOut.has(row.phone),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  }
}

/** A page of customers in the product's shape, with the opt-out flags of its phones. */
function sendPage(res, rows, { total, estimate, pageNumber, pageSize }) {
  const optedOut = optedOutAmong([...new Set(rows.map((row) => row.phone).filter(Boolean))])
  json(res, 200, {
    items: rows.map((row) => customerView(row, optedOut)),
    total,
    total_is_estimate: estimate,
    page: pageNumber,
    page_size: pageSize,
  })
}

app.get('/api/v2/customers', authenticate, (req, res) => {
  const [, , , storedRole, isSuperuser] = res.locals.user
  if (!permissions[effectiveRole(storedRole, Boolean(isSuperuser))].includes('view_customers'))
    return json(res, 403, { detail: 'Permission denied' })
  const needle = String(req.query.search ?? '')
    .trim()
    .toLowerCase()
  const pageNumber = Number(req.query.page ?? 1)
  const pageSize = Number(req.query.page_size ?? 50)
  // Only the bench's path: one term of 3+ characters, which the product serves from the FTS5 table.
  if (
    [...needle].length < 3 ||
    !Number.isInteger(pageSize) ||
    pageSize < 1 ||
    pageSize > 500 ||
    !Number.isInteger(pageNumber) ||
    pageNumber < 1
  )
    return json(res, 422, { detail: 'Not supported by this peer' })
  const match = `"${needle.replaceAll('"', '""')}"`
  const offset = (pageNumber - 1) * pageSize
  const rows = page.all(match, 0, pageSize, offset)
  let total
  let estimate = false
  if (rows.length < pageSize && (rows.length > 0 || offset === 0)) total = offset + rows.length
  else {
    const cap = Math.max(SEARCH_TOTAL_CAP, offset + pageSize)
    const counted = count.get(match, 0, cap + 1)
    total = Math.min(counted, cap)
    estimate = counted > cap
  }
  sendPage(res, rows, { total, estimate, pageNumber, pageSize })
})

app.get('/original/api/v2/customers', authenticate, (req, res) => {
  const [, , , storedRole, isSuperuser] = res.locals.user
  if (!permissions[effectiveRole(storedRole, Boolean(isSuperuser))].includes('view_customers'))
    return json(res, 403, { detail: 'Permission denied' })
  const needle = `%${String(req.query.search ?? '').trim()}%`
  const pageNumber = Number(req.query.page ?? 1)
  const pageSize = Number(req.query.page_size ?? 50)
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500 || !Number.isInteger(pageNumber) || pageNumber < 1)
    return json(res, 422, { detail: 'Not supported by this peer' })
  const rows = originalPage.all({ needle, limit: pageSize, offset: (pageNumber - 1) * pageSize })
  sendPage(res, rows, { total: originalCount.get({ needle }), estimate: false, pageNumber, pageSize })
})

app.use((_req, res) => json(res, 404, { detail: 'Not Found' }))

const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`express peer listening on ${server.address().port}`))
