import type { OperationTable } from './types'
import { refusal } from './refusal'

const MALFORMED = refusal(
  'Signed, but the message or account id is missing, not a Twilio id, or another account’s',
  'MessageSid is not a Twilio message id',
)
const REFUSED = refusal('Missing, invalid or unverifiable X-Twilio-Signature', 'Invalid Twilio signature')

export const WEBHOOK_OPERATIONS: OperationTable = {
  'POST /webhooks/twilio/incoming': {
    request: {
      MessageSid: 'SM9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d',
      AccountSid: 'AC0123456789abcdef0123456789abcdef',
      From: '+14155550143',
      To: '+15005550006',
      Body: 'Thanks, see you then!',
      NumMedia: '0',
    },
    responses: {
      '200': { description: 'Empty TwiML: the message is stored, no automatic reply is sent', example: '<Response></Response>' },
      '400': MALFORMED,
      '403': REFUSED,
    },
  },
  'POST /webhooks/twilio/status': {
    request: {
      MessageSid: 'SM0b6f1e0c2d3a4b5c6d7e8f9a0b1c2d3e',
      AccountSid: 'AC0123456789abcdef0123456789abcdef',
      MessageStatus: 'delivered',
    },
    responses: {
      '200': { description: 'Recorded (statuses only move forward; unknown message ids are ignored)', example: { status: 'ok' } },
      '400': MALFORMED,
      '403': REFUSED,
    },
  },
}
