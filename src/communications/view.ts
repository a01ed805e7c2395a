import { t } from 'elysia'
import type { Tables } from '../db/client'

export type CommunicationRow = Tables['communications']['$inferSelect']

/** The public shape of one SMS or e-mail record, shared by history, timelines and send answers. */
export const CommunicationView = t.Object(
  {
    id: t.Integer(),
    type: t.String({ examples: ['sms', 'email'] }),
    direction: t.String({ examples: ['outbound', 'inbound'] }),
    status: t.String(),
    to_address: t.String(),
    from_address: t.Nullable(t.String()),
    subject: t.Nullable(t.String()),
    content: t.String(),
    external_id: t.Nullable(t.String()),
    customer_id: t.Nullable(t.Integer()),
    user_id: t.Nullable(t.Integer()),
    error_code: t.Nullable(t.String()),
    error_message: t.Nullable(t.String()),
    media_urls: t.Array(t.String()),
    created_at: t.String({ format: 'date-time' }),
    updated_at: t.String({ format: 'date-time' }),
  },
  { title: 'Communication' },
)

export type CommunicationViewType = typeof CommunicationView.static

export function communicationView(row: CommunicationRow): CommunicationViewType {
  return {
    id: row.id,
    type: row.type,
    direction: row.direction,
    status: row.status,
    to_address: row.toAddress,
    from_address: row.fromAddress,
    subject: row.subject,
    content: row.content,
    external_id: row.externalId,
    customer_id: row.customerId,
    user_id: row.userId,
    error_code: row.errorCode,
    error_message: row.errorMessage,
    media_urls: row.mediaUrls ?? [],
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  }
}

/**
 * When the message went out or came in. An outbound message is sent once the
 * provider took it (it has the provider's id, or a status past queued); null
 * while it waits or when the provider refused it. The send happens within the
 * request that created the record, so the creation time is the sending time.
 */
export function sentAt(row: CommunicationRow): string | null {
  if (row.direction === 'outbound' && row.externalId === null && (row.status === 'queued' || row.status === 'failed')) return null
  return row.createdAt.toISOString()
}

/** A record in lists that show who it is with: the shared shape plus the customer's name and the sending time. */
export const HistoryItem = t.Composite(
  [
    CommunicationView,
    t.Object({
      customer_name: t.Nullable(t.String({ description: 'First and last name of the linked customer, null when none' })),
      sent_at: t.Nullable(
        t.String({ format: 'date-time', description: 'When it was sent or received; null while queued or when it failed' }),
      ),
    }),
  ],
  { title: 'CommunicationWithCustomer' },
)

export function historyItem(row: CommunicationRow, customerName: string | null): typeof HistoryItem.static {
  return { ...communicationView(row), customer_name: customerName, sent_at: sentAt(row) }
}

/** "First Last" of a customer, or null. */
export function fullName(first: string | null | undefined, last: string | null | undefined): string | null {
  const name = [first, last].filter(Boolean).join(' ').trim()
  return name === '' ? null : name
}
