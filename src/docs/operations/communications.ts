import { CUSTOMER, EMAIL, INBOUND_SMS, SMS, page, withCustomer } from '../samples'
import { EMAIL_SETUP_HINT, SMS_SETUP_HINT } from '../../communications/model'
import type { OperationTable } from './types'
import { refusal } from './refusal'

const NO_CUSTOMER = refusal('customer_id names no customer', 'Customer not found')

export const COMMUNICATION_OPERATIONS: OperationTable = {
  'POST /api/v2/communications/sms/send': {
    request: { customer_id: 42, body: 'Hi Ada, your technician arrives tomorrow between 9 and 11 am.' },
    responses: {
      '201': { description: 'Handed to Twilio; the record is stored with Twilio’s status and sid', example: SMS },
      '404': NO_CUSTOMER,
      '409': refusal('The recipient replied STOP', 'Recipient has opted out of SMS'),
      '429': refusal(
        'A rate limit is reached (per user and minute or hour, per destination and hour)',
        'Rate limit exceeded: Per-minute limit (10/min). Retry after 42 seconds.',
      ),
      '502': refusal(
        'Twilio refused or could not be reached; the record is kept as failed',
        'SMS provider error: The number +14155550100 is unverified.',
      ),
      '503': { description: 'TWILIO_* is not configured', example: { detail: 'SMS is not configured', hint: SMS_SETUP_HINT } },
    },
  },
  'POST /api/v2/communications/email/send': {
    request: {
      customer_id: 42,
      subject: 'Your boiler service on June 3',
      body: 'Hello Ada,\n\nyour technician arrives tomorrow between 9 and 11 am.\n\nAcme Plumbing',
    },
    // E-mail has no opt-out and no rate limit.
    impossible: ['409', '429'],
    responses: {
      '201': { description: 'Accepted by the SMTP server', example: EMAIL },
      '404': NO_CUSTOMER,
      '502': refusal(
        'The SMTP server refused the message or could not be reached; the record is kept as failed',
        'Email provider error: 550 5.1.1 Mailbox unavailable',
      ),
      '503': {
        description: 'SMTP_URL or EMAIL_FROM is not configured',
        example: { detail: 'Email is not configured', hint: EMAIL_SETUP_HINT },
      },
    },
  },
  'GET /api/v2/communications/history': {
    responses: {
      '200': {
        description: 'One page of messages, newest first, with the linked customer’s name',
        example: page([withCustomer(INBOUND_SMS), withCustomer(SMS)]),
      },
    },
  },
  'POST /api/v2/communications/sms/send-bulk': {
    request: { customer_ids: [42, '43', 44], message: 'Our office is closed on Monday, June 8.' },
    responses: {
      '200': {
        description: 'What happened to each recipient, in the order given',
        example: {
          total: 3,
          sent: 1,
          failed: 0,
          skipped: 2,
          results: [
            {
              customer_id: 42,
              customer_name: 'Ada Lovelace',
              phone: '+14155550143',
              status: 'sent',
              reason: null,
              detail: null,
              communication_id: 1201,
            },
            {
              customer_id: 43,
              customer_name: 'Grace Hopper',
              phone: '+14155550144',
              status: 'skipped',
              reason: 'opted_out',
              detail: 'Recipient has opted out of SMS',
              communication_id: null,
            },
            {
              customer_id: 44,
              customer_name: 'Alan Turing',
              phone: '+14155550145',
              status: 'skipped',
              reason: 'rate_limited',
              detail: 'Rate limit exceeded: Per-minute limit (10/min). Retry after 42 seconds.',
              communication_id: null,
            },
          ],
        },
      },
      '503': {
        description: 'TWILIO_* is not configured; nothing was sent',
        example: { detail: 'SMS is not configured', hint: SMS_SETUP_HINT },
      },
    },
  },
  'GET /api/v2/communications/sms/customers': {
    responses: {
      '200': {
        description: 'One page of customers with a phone number, by name',
        example: {
          items: [
            {
              id: CUSTOMER.id,
              name: 'Ada Lovelace',
              first_name: 'Ada',
              last_name: 'Lovelace',
              phone: CUSTOMER.phone,
              email: CUSTOMER.email,
              city: CUSTOMER.city,
              state: CUSTOMER.state,
              is_active: true,
              sms_opt_out: false,
            },
          ],
          total: 1,
          page: 1,
          page_size: 20,
        },
      },
    },
  },
  'GET /api/v2/communications/stats': {
    responses: { '200': { description: 'Unread inbound messages', example: { unread_sms: 3, unread_email: 0, pending_reminders: 0 } } },
  },
  'GET /api/v2/communications/activity': {
    responses: {
      '200': {
        description: 'The latest messages of every channel, newest first',
        example: {
          items: [
            {
              id: `sms-${INBOUND_SMS.id}`,
              type: 'sms',
              customer_id: 42,
              customer_name: 'Ada Lovelace',
              content: INBOUND_SMS.content,
              subject: null,
              direction: 'inbound',
              status: 'received',
              to_address: INBOUND_SMS.to_address,
              from_address: INBOUND_SMS.from_address,
              created_at: INBOUND_SMS.created_at,
              sent_at: INBOUND_SMS.created_at,
            },
            {
              id: `email-${EMAIL.id}`,
              type: 'email',
              customer_id: 42,
              customer_name: 'Ada Lovelace',
              content: EMAIL.content,
              subject: EMAIL.subject,
              direction: 'outbound',
              status: 'sent',
              to_address: EMAIL.to_address,
              from_address: EMAIL.from_address,
              created_at: EMAIL.created_at,
              sent_at: EMAIL.created_at,
            },
          ],
          total: 2,
        },
      },
    },
  },
}
