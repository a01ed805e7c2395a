import { randomBytes } from 'node:crypto'
import { count, eq } from 'drizzle-orm'
import type { TestApp } from '../helpers/harness'
import { ACCOUNT_SID, formBody, sign, type Pairs } from '../../testkit/twilio'

export const INCOMING = '/webhooks/twilio/incoming'
export const STATUS = '/webhooks/twilio/status'

export interface PostOptions {
  /** The URL Twilio requested (and signed); defaults to http://localhost + path. */
  signedUrl?: string
  /** Overrides the computed signature ('' sends an empty header, null none). */
  signature?: string | null
  headers?: Record<string, string>
  /** Sent instead of the signed pairs (to tamper with the body after signing). */
  body?: string
  token?: string
}

/** POSTs a form to the in-process app, signed as Twilio would sign it. */
export function postSigned(testApp: Pick<TestApp, 'request'>, path: string, pairs: Pairs, options: PostOptions = {}): Promise<Response> {
  const signedUrl = options.signedUrl ?? `http://localhost${path}`
  const signature = options.signature === undefined ? sign(signedUrl, pairs, options.token) : options.signature
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...options.headers }
  if (signature !== null) headers['x-twilio-signature'] = signature
  return testApp.request('POST', path, { body: options.body ?? formBody(pairs), headers })
}

/** A well-formed Twilio message id: SM (or MM for media) and 32 lowercase hex digits. */
export function newSid(prefix: 'SM' | 'MM' = 'SM'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`
}

export function inboundPairs(overrides: Partial<Record<string, string>> = {}): Pairs {
  const base: Record<string, string> = {
    MessageSid: newSid(),
    AccountSid: ACCOUNT_SID,
    From: '+15005550006',
    To: '+15005550001',
    Body: 'Hello there',
    NumMedia: '0',
    ...overrides,
  } as Record<string, string>
  return Object.entries(base).filter(([, v]) => v !== undefined) as Pairs
}

export async function communicationCount(testApp: Pick<TestApp, 'database'>): Promise<number> {
  const [row] = await testApp.database.db.select({ value: count() }).from(testApp.database.tables.communications)
  return row?.value ?? 0
}

export async function communicationBySid(testApp: Pick<TestApp, 'database'>, sid: string) {
  const { communications } = testApp.database.tables
  const rows = await testApp.database.db.select().from(communications).where(eq(communications.externalId, sid))
  return rows
}
