import { CONVERSATION, HISTORY_INBOUND, HISTORY_SMS, page } from '../samples'
import { EMAIL, SMS } from '../samples'
import { EMAIL_SETUP_HINT, SMS_SETUP_HINT } from '../../communications/model'
import type { OperationTable } from './types'

const NO_CUSTOMER_ID = { description: 'No such customer (unknown or deleted)', example: { detail: 'Customer not found' } }
const NO_CUSTOMER = { description: 'customer_id names no customer', example: { detail: 'Customer not found' } }

export const COMMUNICATION_OPERATIONS: OperationTable = {
  'POST /api/v2/communications/sms/send': {
    request: { customer_id: 42, body: 'Hi Ada, your technician arrives tomorrow between 9 and 11 am.' },
    responses: {
      '201': { description: 'Handed to Twilio; the record is stored with Twilio’s status and sid', example: SMS },
      '404': NO_CUSTOMER,
      '409': { description: 'The recipient replied STOP', example: { detail: 'Recipient has opted out of SMS' } },
      '429': { description: 'A rate limit is reached (per user and minute or hour, per destination and hour)', example: { detail: 'Rate limit exceeded: Per-minute limit (10/min). Retry after 42 seconds.' } },
      '502': { description: 'Twilio refused or could not be reached; the record is kept as failed', example: { detail: 'SMS provider error: The number +14155550100 is unverified.' } },
      '503': { description: 'TWILIO_* is not configured', example: { detail: 'SMS is not configured', hint: SMS_SETUP_HINT } },
    },
  },
  'POST /api/v2/communications/email/send': {
    request: { customer_id: 42, subject: 'Your boiler service on June 3', body: 'Hello Ada,\n\nyour technician arrives tomorrow between 9 and 11 am.\n\nAcme Plumbing' },
    // E-mail has no opt-out and no rate limit.
    impossible: ['409', '429'],
    responses: {
      '201': { description: 'Accepted by the SMTP server', example: EMAIL },
      '404': NO_CUSTOMER,
      '502': { description: 'The SMTP server refused the message or could not be reached; the record is kept as failed', example: { detail: 'Email provider error: 550 5.1.1 Mailbox unavailable' } },
      '503': { description: 'SMTP_URL or EMAIL_FROM is not configured', example: { detail: 'Email is not configured', hint: EMAIL_SETUP_HINT } },
    },
  },
  'GET /api/v2/communications/history': {
    responses: { '200': { description: 'One page of messages, newest first', example: page([HISTORY_INBOUND, HISTORY_SMS]) } },
  },
  'POST /api/v2/communications/sms/send-bulk': {
    request: { customer_ids: [42, 57, 63], message: 'Our office is closed on Friday, June 5. Reply to this number for emergencies.' },
    responses: {
      '200': {
        description: 'What happened to each customer, in the order given; nothing is retried',
        example: {
          total: 3,
          sent: 1,
          failed: 0,
          skipped: 2,
          results: [
            { customer_id: 42, customer_name: 'Ada Lovelace', phone: '+14155550143', status: 'sent', reason: null, detail: null, communication_id: 1191 },
            { customer_id: 57, customer_name: 'Grace Hopper', phone: '+14155550177', status: 'skipped', reason: 'opted_out', detail: 'Recipient has opted out of SMS', communication_id: null },
            { customer_id: 63, customer_name: 'Alan Turing', phone: null, status: 'skipped', reason: 'no_phone', detail: 'Customer has no phone number', communication_id: null },
          ],
        },
      },
      '503': { description: 'TWILIO_* is not configured; nothing was sent', example: { detail: 'SMS is not configured', hint: SMS_SETUP_HINT } },
    },
  },
  'GET /api/v2/communications/sms/customers': {
    responses: {
      '200': {
        description: 'One page of customers with a phone number',
        example: page([{ id: 42, name: 'Ada Lovelace', first_name: 'Ada', last_name: 'Lovelace', phone: '+14155550143', email: 'ada@lovelace-analytics.com', city: 'San Francisco', state: 'CA', is_active: true, sms_opt_out: false }]),
      },
    },
  },
  'GET /api/v2/communications/stats': {
    responses: { '200': { description: 'Unread inbound messages by channel', example: { unread_sms: 3, unread_email: 0, pending_reminders: 0 } } },
  },
  'GET /api/v2/communications/activity': {
    responses: {
      '200': {
        description: 'The newest messages on every channel',
        example: {
          items: [
            {
              id: 'sms-1190',
              type: 'sms',
              customer_id: 42,
              customer_name: 'Ada Lovelace',
              content: 'Thanks, see you then!',
              subject: null,
              direction: 'inbound',
              status: 'received',
              to_address: '+15005550006',
              from_address: '+14155550143',
              created_at: '2026-06-02T16:31:40.000Z',
              sent_at: '2026-06-02T16:31:40.000Z',
            },
          ],
          total: 1,
        },
      },
    },
  },
  'GET /api/v2/sms/conversations': {
    responses: {
      '200': {
        description: 'One page of conversations, newest activity first',
        example: page([
          {
            id: '+14155550143',
            phone_number: '+14155550143',
            customer_id: 42,
            customer_name: 'Ada Lovelace',
            last_message: 'Thanks, see you then!',
            last_message_time: '2026-06-02T16:31:40.000Z',
            direction: 'inbound',
            unread_count: 1,
            total_count: 2,
          },
        ]),
      },
    },
  },
  'GET /api/v2/sms/conversations/{id}': {
    responses: {
      '200': { description: 'The conversation with this number (empty when nobody wrote to it yet)', example: CONVERSATION },
      '404': { description: 'The id is not a phone number', example: { detail: 'Conversation not found' } },
    },
  },
  'POST /api/v2/sms/conversations/{id}/read': {
    responses: {
      '200': { description: 'The conversation’s inbound messages are marked read', example: { id: '+14155550143', marked_read: 1, unread_count: 0 } },
      '404': { description: 'The id is not a phone number', example: { detail: 'Conversation not found' } },
    },
  },
  'GET /api/v2/customers/{id}/sms-conversation': {
    responses: {
      '200': { description: 'The conversation with the customer’s phone (empty when the customer has none)', example: CONVERSATION },
      '404': NO_CUSTOMER_ID,
    },
  },
}
