import { t } from 'elysia'
import { ID_MAX, PageOf, PageQuery } from '../http/pagination'

export const THREAD_LIMIT_DEFAULT = 50
const THREAD_LIMIT_MAX = 200

const Message = t.Object(
  {
    id: t.Integer(),
    content: t.String(),
    direction: t.String({ examples: ['inbound', 'outbound'] }),
    status: t.String(),
    from_phone: t.Nullable(t.String()),
    to_phone: t.String(),
    media_urls: t.Array(t.String()),
    customer_id: t.Nullable(t.Integer()),
    read_at: t.Nullable(t.String({ format: 'date-time', description: 'Inbound: when the thread was marked read' })),
    sent_at: t.Nullable(
      t.String({ format: 'date-time', description: 'When it was sent or received; null while queued or when it failed' }),
    ),
    queued_at: t.String({ format: 'date-time', description: 'Same as created_at' }),
    created_at: t.String({ format: 'date-time' }),
  },
  { title: 'ConversationMessage' },
)

const Summary = t.Object(
  {
    id: t.String({ description: 'The conversation id: the other party\'s E.164 number (URL-encode the "+")' }),
    phone_number: t.String(),
    customer_id: t.Nullable(t.Integer()),
    customer_name: t.Nullable(t.String({ description: 'null when no customer has this number' })),
    last_message: t.String(),
    last_message_time: t.String({ format: 'date-time' }),
    direction: t.String({ description: 'Direction of the last message' }),
    unread_count: t.Integer({ description: 'Inbound messages not marked read' }),
    total_count: t.Integer({ description: 'Messages in the thread you may see' }),
  },
  { title: 'ConversationSummary' },
)

export const ConversationModel = {
  listQuery: t.Object({
    ...PageQuery,
    search: t.Optional(t.String({ maxLength: 200, description: 'Name of the customer, part of the number, or text of a message' })),
  }),
  list: PageOf(Summary, 'ConversationList'),
  threadQuery: t.Object({
    before_id: t.Optional(
      t.Integer({ minimum: 1, maximum: ID_MAX, description: 'Only messages older than this message id (the next page backwards)' }),
    ),
    limit: t.Optional(
      t.Integer({
        minimum: 1,
        maximum: THREAD_LIMIT_MAX,
        description: `The newest N messages before before_id; 1..${THREAD_LIMIT_MAX}, default ${THREAD_LIMIT_DEFAULT}`,
      }),
    ),
  }),
  thread: t.Object(
    {
      id: t.Nullable(t.String({ description: 'The conversation id (E.164); null for a customer without a phone' })),
      phone_number: t.Nullable(t.String()),
      customer_id: t.Nullable(t.Integer()),
      customer_name: t.Nullable(t.String()),
      customer_phone: t.Nullable(t.String()),
      unread_count: t.Integer(),
      total_count: t.Integer(),
      has_more: t.Boolean({ description: 'Older messages exist: ask again with before_id = the first message id' }),
      messages: t.Array(Message, { description: 'Oldest first' }),
    },
    { title: 'Conversation' },
  ),
  read: t.Object(
    { id: t.String(), marked_read: t.Integer({ description: 'Inbound messages newly marked read' }), unread_count: t.Integer() },
    { title: 'ConversationRead' },
  ),
  idParams: t.Object({
    id: t.String({ description: 'E.164 number, "+" URL-encoded as %2B (a national number of DEFAULT_COUNTRY works too)' }),
  }),
  customerParams: t.Object({ id: t.String({ description: 'Customer id' }) }),
}
