import { ROLE_PERMISSIONS } from '../../auth/permissions'
import { ADMIN_USER, SESSION, USER, page } from '../samples'
import type { OperationTable } from './types'
import { refusal } from './refusal'

const USER_NOT_FOUND = refusal('No user with this id', 'User not found')

export const ADMIN_OPERATIONS: OperationTable = {
  'GET /api/v2/admin/users': {
    description: 'Every account, oldest first, with its effective role and permissions (manage_users).',
    responses: {
      '200': { description: 'One page of users (also under `users`)', example: { ...page([ADMIN_USER, USER]), users: [ADMIN_USER, USER] } },
    },
  },
  'POST /api/v2/admin/users': {
    request: {
      email: 'maria.lopez@acme-plumbing.com',
      password: 'plumb-lines-and-levels',
      first_name: 'Maria',
      last_name: 'Lopez',
      role: 'office',
    },
    responses: {
      '201': { description: 'The new user', example: USER },
      '409': refusal('The email is taken', 'Email already registered'),
    },
  },
  'PATCH /api/v2/admin/users/{id}': {
    request: { role: 'admin', is_active: true },
    responses: {
      '200': {
        description: 'The user after the change',
        example: {
          ...USER,
          role: 'admin',
          permissions: [...ROLE_PERMISSIONS.admin],
        },
      },
      '404': USER_NOT_FOUND,
      '409': refusal('The change would leave no active superuser', 'Cannot remove the last active superuser'),
    },
  },
  'DELETE /api/v2/admin/users/{id}': {
    responses: {
      '200': { description: 'The user is deactivated and their sessions ended', example: { message: 'User deactivated' } },
      '404': USER_NOT_FOUND,
      '409': refusal('The user is the last active superuser', 'Cannot remove the last active superuser'),
    },
  },
  'POST /api/v2/admin/users/{id}/reset-2fa': {
    responses: {
      '204': { description: 'Two-factor sign-in is off for the user, who gets a notice e-mail' },
      '403': refusal(
        'Missing manage_users, or one’s own account (use POST /api/v2/auth/2fa/disable)',
        'Use POST /api/v2/auth/2fa/disable for your own account',
      ),
      '404': USER_NOT_FOUND,
    },
  },
  'GET /api/v2/admin/users/{id}/sessions': {
    responses: {
      '200': { description: 'The user’s live sessions, newest first', example: { items: [{ ...SESSION, current: false }] } },
      '404': USER_NOT_FOUND,
    },
  },
  'DELETE /api/v2/admin/users/{id}/sessions': {
    responses: { '204': { description: 'Every session of the user is ended' }, '404': USER_NOT_FOUND },
  },
  'DELETE /api/v2/admin/users/{id}/sessions/{sessionId}': {
    responses: {
      '204': { description: 'The session is ended' },
      '404': refusal('No such user, or not a live session of theirs', 'Session not found'),
    },
  },
  'GET /api/v2/admin/audit': {
    responses: {
      '200': {
        description: 'One page of audit entries, newest first',
        example: page([
          {
            id: 5012,
            action: 'login.failure',
            user_id: 7,
            actor_email: 'maria.lopez@acme-plumbing.com',
            target: null,
            ip: '203.0.113.24',
            details: {},
            count: 1,
            created_at: '2026-06-02T07:58:12.000Z',
          },
          {
            id: 5011,
            action: 'customer.deleted',
            user_id: 1,
            actor_email: 'owner@acme-plumbing.com',
            target: 'customer:17',
            ip: '198.51.100.7',
            details: {},
            count: 1,
            created_at: '2026-06-01T17:03:44.000Z',
          },
        ]),
      },
    },
  },
  'GET /api/v2/admin/stats': {
    description: 'Totals for the admin dashboard (admin_panel).',
    responses: {
      '200': {
        description: 'Counts of users, customers and messages',
        example: {
          users: { total: 6, active: 5 },
          customers: { total: 1240 },
          communications: {
            total: 8731,
            by_type: { sms: 8012, email: 719 },
            by_direction: { outbound: 6120, inbound: 2611 },
            by_status: { delivered: 5870, received: 2611, failed: 131, sent: 119 },
          },
          messages_last_24h: 57,
        },
      },
    },
  },
}
