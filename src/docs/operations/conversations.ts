import { INBOUND_SMS, SMS } from '../samples'
import type { OperationTable } from './types'
import { refusal } from './refusal'

const PHONE = '+14155550143'
const NO_CONVERSATION = refusal('The id is not a phone number', 'Conversation not found')

const message = (sample: Omit<typeof SMS, 'user_id'>, readAt: string | null) => ({
  id: sample.id,
  content: sample.content,
  direction: sample.direction,
  status: sample.status,
  from_phone: sample.from_address,
  to_phone: sample.to_address,
  media_urls: [],
  customer_id: 42,
  read_at: readAt,
  sent_at: sample.created_at,
  queued_at: sample.created_at,
  created_at: sample.created_at,
})

const THREAD = {
  id: PHONE,
  phone_number: PHONE,
  customer_id: 42,
  customer_name: 'Ada Lovelace',
  customer_phone: PHONE,
  unread_count: 1,
  total_count: 2,
  has_more: false,
  messages: [message(SMS, null), message({ ...INBOUND_SMS, created_at: '2026-06-02T16:31:40.000Z' }, null)],
}

export const CONVERSATION_OPERATIONS: OperationTable = {
  'GET /api/v2/sms/conversations': {
    responses: {
      '200': {
        description: 'One page of conversations, newest activity first',
        example: {
          items: [
            {
              id: PHONE,
              phone_number: PHONE,
              customer_id: 42,
              customer_name: 'Ada Lovelace',
              last_message: INBOUND_SMS.content,
              last_message_time: '2026-06-02T16:31:40.000Z',
              direction: 'inbound',
              unread_count: 1,
              total_count: 2,
            },
          ],
          total: 1,
          page: 1,
          page_size: 50,
        },
      },
    },
  },
  'GET /api/v2/sms/conversations/{id}': {
    responses: { '200': { description: 'The conversation, oldest message first', example: THREAD }, '404': NO_CONVERSATION },
  },
  'POST /api/v2/sms/conversations/{id}/read': {
    responses: {
      '200': { description: 'Its inbound messages are marked read', example: { id: PHONE, marked_read: 1, unread_count: 0 } },
      '404': NO_CONVERSATION,
    },
  },
  'GET /api/v2/customers/{id}/sms-conversation': {
    responses: {
      '200': { description: "The conversation with the customer's phone (empty when they have none)", example: THREAD },
      '404': refusal('No such customer', 'Customer not found'),
    },
  },
}
