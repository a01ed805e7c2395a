import { ROLE_PERMISSIONS } from '../auth/permissions'

/**
 * Realistic values shared by the examples of several operations: one user,
 * one customer, one message, as the API answers them. Kept in step with the
 * schemas by tests/docs/openapi-examples.test.ts (every example must match).
 */
export const USER = {
  id: 7,
  email: 'maria.lopez@acme-plumbing.com',
  full_name: 'Maria Lopez',
  first_name: 'Maria',
  last_name: 'Lopez',
  role: 'user',
  permissions: [...ROLE_PERMISSIONS.user],
  is_active: true,
  last_login_at: '2026-06-02T07:58:12.000Z',
  last_login: '2026-06-02T07:58:12.000Z',
  created_at: '2026-03-02T09:15:00.000Z',
}

export const ADMIN_USER = {
  ...USER,
  id: 1,
  email: 'owner@acme-plumbing.com',
  full_name: 'Sam Carter',
  first_name: 'Sam',
  last_name: 'Carter',
  role: 'superuser',
  permissions: [...ROLE_PERMISSIONS.superuser],
}

export const TOKEN = {
  access_token:
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3IiwianRpIjoiYzFhNiIsImV4cCI6MTc5NjEyMDAwMH0.Vb3wYx2k1kq8o5cQ0c1Zr8t7u2m3n4p5q6r7s8t9u0w',
  token_type: 'bearer',
  expires_in: 900,
  user: USER,
}

export const CUSTOMER = {
  id: 42,
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@lovelace-analytics.com',
  phone: '+14155550143',
  company: 'Lovelace Analytics',
  notes: 'Prefers text messages before 10 am.',
  tags: ['vip', 'boiler-service'],
  address_line1: '12 Analytical Row',
  address_line2: 'Suite 4',
  city: 'San Francisco',
  state: 'CA',
  postal_code: '94107',
  customer_type: 'commercial',
  prospect_stage: 'won',
  lead_source: 'referral',
  estimated_value: 4800,
  assigned_sales_rep: 'Maria Lopez',
  next_follow_up_date: '2026-07-01',
  lead_notes: 'Annual boiler service contract; renews in July.',
  is_archived: false,
  is_active: true,
  sms_opt_out: false,
  created_at: '2026-05-11T14:02:31.000Z',
  updated_at: '2026-06-01T08:45:10.000Z',
}

export const SMS = {
  id: 1187,
  type: 'sms',
  direction: 'outbound',
  status: 'queued',
  to_address: '+14155550143',
  from_address: '+15005550006',
  subject: null,
  content: 'Hi Ada, your technician arrives tomorrow between 9 and 11 am.',
  external_id: 'SM0b6f1e0c2d3a4b5c6d7e8f9a0b1c2d3e',
  customer_id: 42,
  user_id: 7,
  error_code: null,
  error_message: null,
  media_urls: [],
  created_at: '2026-06-02T16:20:05.000Z',
  updated_at: '2026-06-02T16:20:05.000Z',
}

export const EMAIL = {
  ...SMS,
  id: 1188,
  type: 'email',
  status: 'sent',
  to_address: 'ada@lovelace-analytics.com',
  from_address: 'office@acme-plumbing.com',
  subject: 'Your boiler service on June 3',
  content: 'Hello Ada,\n\nyour technician arrives tomorrow between 9 and 11 am.\n\nAcme Plumbing',
  external_id: '<b6f1e0c2.1188@acme-plumbing.com>',
}

export const INBOUND_SMS = {
  ...SMS,
  id: 1190,
  direction: 'inbound',
  status: 'received',
  to_address: '+15005550006',
  from_address: '+14155550143',
  content: 'Thanks, see you then!',
  external_id: 'SM9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d',
  user_id: null,
}

/** A page of `items`, as every list answers. */
export function page<T>(items: T[], total = items.length) {
  return { items, total, page: 1, page_size: 50 }
}

/** A history item: the shared shape plus who it is with and when it went out or came in. */
export function withCustomer<T extends { created_at: string }>(message: T, customerName: string | null = 'Ada Lovelace') {
  return { ...message, customer_name: customerName, sent_at: message.created_at }
}

export const SESSION = {
  id: '0b8e4c2a-6f1d-4e3b-9a7c-5d2f8e1b3c4a',
  created_at: '2026-06-02T07:58:40.000Z',
  last_used_at: '2026-06-02T16:20:05.000Z',
  expires_at: '2026-06-09T07:58:40.000Z',
  ip: '203.0.113.24',
  user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  current: true,
}
