import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { authPlugin } from '../auth/plugin'
import { parseCustomerId } from '../customers/directory'
import { ConversationModel } from './model'
import { ErrorBody } from '../http/errors'
import { ConversationService } from './service'

const tags = ['Conversations']
const visibility =
  'Without view_all_communications you see inbound messages and the ones you sent (the history rule), in counts and previews too.'

/** SMS threads, one per number, as the React CRM app's inbox shows them. */
export function smsModule(ctx: AppContext) {
  const conversations = new ConversationService(ctx)
  const notFound = { 404: ErrorBody }
  return new Elysia({ name: 'sms-conversations', seed: ctx.id })
    .use(authPlugin(ctx))
    .get('/api/v2/sms/conversations', ({ user, query }) => conversations.list(user, query), {
      auth: true,
      query: ConversationModel.listQuery,
      response: { 200: ConversationModel.list },
      detail: {
        tags,
        summary: 'SMS conversations, newest activity first',
        description: `One item per number SMS were exchanged with. \`search\` matches the customer's name, part of the number, or a message's text. ${visibility}`,
      },
    })
    .get(
      '/api/v2/sms/conversations/:id',
      ({ user, params, query }) => conversations.thread(user, conversations.parseId(params.id), query),
      {
        auth: true,
        params: ConversationModel.idParams,
        query: ConversationModel.threadQuery,
        response: { 200: ConversationModel.thread, ...notFound },
        detail: {
          tags,
          summary: 'One conversation, oldest message first',
          description: `The newest \`limit\` messages (default 50), oldest first; older ones with \`before_id\`. Opening a thread does not mark it read. A number nobody wrote to yet answers an empty thread; an id that is no phone number is 404. ${visibility}`,
        },
      },
    )
    .post('/api/v2/sms/conversations/:id/read', ({ params }) => conversations.markRead(conversations.parseId(params.id)), {
      auth: true,
      params: ConversationModel.idParams,
      response: { 200: ConversationModel.read, ...notFound },
      detail: {
        tags,
        summary: 'Mark a conversation read',
        description: 'Sets read_at on its inbound messages; unread counts drop to 0. Idempotent.',
      },
    })
    .get(
      '/api/v2/customers/:id/sms-conversation',
      ({ user, params, query }) => conversations.customerThread(user, parseCustomerId(params.id), query),
      {
        permission: 'view_customers',
        params: ConversationModel.customerParams,
        query: ConversationModel.threadQuery,
        response: { 200: ConversationModel.thread, ...notFound },
        detail: {
          tags: ['Customers'],
          summary: "The SMS conversation with a customer's phone",
          description: `As GET /api/v2/sms/conversations/{id} for the customer's number (messages carry queued_at = created_at); an empty thread when the customer has no phone. 404 "Customer not found" for an unknown or deleted customer. ${visibility}`,
        },
      },
    )
}
