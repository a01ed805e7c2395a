import { EMAIL, INBOUND_SMS, SMS, page } from '../samples'
import { EMAIL_SETUP_HINT, SMS_SETUP_HINT } from '../../communications/model'
import type { OperationTable } from './types'

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
    responses: { '200': { description: 'One page of messages, newest first', example: page([INBOUND_SMS, SMS]) } },
  },
}
