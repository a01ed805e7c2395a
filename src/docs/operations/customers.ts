import { CUSTOMER, EMAIL, SMS, page } from '../samples'
import type { OperationTable } from './types'
import { refusal } from './refusal'

const NOT_FOUND = refusal('No such customer (unknown, deleted, or an id that is not a positive number)', 'Customer not found')
/** Fields of the sample customer a client does not send: the server sets these, the example leaves those out. */
const SET_BY_SERVER = ['id', 'is_archived', 'is_active', 'sms_opt_out', 'created_at', 'updated_at'] as const
const LEFT_OUT = ['address_line2', 'assigned_sales_rep', 'next_follow_up_date', 'lead_notes'] as const

function without<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Omit<T, K> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key as K))) as Omit<T, K>
}

/** The sample customer as a client creates it, the phone as typed. */
const NEW_CUSTOMER = { ...without(CUSTOMER, [...SET_BY_SERVER, ...LEFT_OUT]), phone: '(415) 555-0143' }

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
