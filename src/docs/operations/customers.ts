import { CUSTOMER, EMAIL, SMS, page } from '../samples'
import type { OperationTable } from './types'

const NOT_FOUND = {
  description: 'No such customer (unknown, deleted, or an id that is not a positive number)',
  example: { detail: 'Customer not found' },
}
const NEW_CUSTOMER = {
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@lovelace-analytics.com',
  phone: '(415) 555-0143',
  company: 'Lovelace Analytics',
  notes: 'Prefers text messages before 10 am.',
  tags: ['vip', 'boiler-service'],
  address_line1: '12 Analytical Row',
  city: 'San Francisco',
  state: 'CA',
  postal_code: '94107',
  customer_type: 'commercial',
  prospect_stage: 'won',
  lead_source: 'referral',
  estimated_value: 4800,
}

export const CUSTOMER_OPERATIONS: OperationTable = {
  'GET /api/v2/customers': {
    responses: {
      '200': { description: 'One page of customers, newest first', example: { ...page([CUSTOMER]), total_is_estimate: false } },
    },
  },
  'POST /api/v2/customers': {
    request: NEW_CUSTOMER,
    responses: { '201': { description: 'The customer as stored (phone normalised to E.164)', example: CUSTOMER } },
  },
  'GET /api/v2/customers/{id}': {
    responses: { '200': { description: 'The customer', example: CUSTOMER }, '404': NOT_FOUND },
  },
  'PATCH /api/v2/customers/{id}': {
    request: { company: 'Lovelace Analytics Ltd', tags: ['vip'] },
    responses: {
      '200': { description: 'The customer after the change', example: { ...CUSTOMER, company: 'Lovelace Analytics Ltd', tags: ['vip'] } },
      '404': NOT_FOUND,
    },
  },
  'DELETE /api/v2/customers/{id}': {
    responses: { '204': { description: 'Deleted (kept as a soft-deleted row; its messages stay in the history)' }, '404': NOT_FOUND },
  },
  'POST /api/v2/customers/{id}/archive': {
    responses: {
      '200': { description: 'The customer, archived', example: { ...CUSTOMER, is_archived: true, is_active: false } },
      '404': NOT_FOUND,
    },
  },
  'POST /api/v2/customers/{id}/unarchive': {
    responses: { '200': { description: 'The customer, back in the default list', example: CUSTOMER }, '404': NOT_FOUND },
  },
  'GET /api/v2/customers/{id}/communications': {
    responses: {
      '200': { description: 'One page of the customer’s messages, newest first', example: page([EMAIL, SMS]) },
      '404': NOT_FOUND,
    },
  },
}
