import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { uncheckedResponse } from '../docs/unchecked-response'
import { authPlugin } from '../auth/plugin'
import { requestContext } from '../http/request-context'
import { ErrorBody } from '../http/errors'
import { customerModel } from './model'
import { CustomerService } from './service'
import { parseCustomerId } from './directory'

const tags = ['Customers']

/** Customers: view_customers reads, edit_customers writes, delete_customers deletes. */
export function customersModule(ctx: AppContext) {
  const service = new CustomerService(ctx)
  const model = customerModel(ctx.config.customerExtraFields, (body) => service.validator.problems(body))
  const notFound = { 404: ErrorBody }
  const extras = ctx.config.customerExtraFields.length
    ? ` This office's own fields (CUSTOMER_EXTRA_FIELDS): ${ctx.config.customerExtraFields.join(', ')}.`
    : ''
  return new Elysia({ name: 'customers', seed: ctx.id, prefix: '/api/v2/customers' })
    .use(requestContext(ctx))
    .use(authPlugin(ctx))
    .get('/', ({ query }) => service.list(query), {
      permission: 'view_customers',
      query: model.listQuery,
      detail: {
        tags,
        summary: 'List customers',
        responses: { 200: uncheckedResponse('A page of customers', model.list) },
        description:
          'Newest first (descending id); archived customers only with is_archived=true. `search` matches a case-insensitive substring of first name, last name, e-mail, phone or company; ' +
          'a phone-like term ("555-0143", "+1 415") also matches stored E.164 numbers; a term without any letter or digit ("+", "--") matches nothing. Deleted customers never appear. page_size up to 500.',
      },
    })
    .post(
      '/',
      async ({ body, status }) => {
        // Typed as the schema's fixed fields: the office's extra fields have no static names.
        const customer: typeof model.customer.static = await service.create(body)
        return status(201, customer)
      },
      {
        permission: 'edit_customers',
        body: model.create,
        response: { 201: model.customer },
        detail: {
          tags,
          summary: 'Create a customer',
          description: `Unknown and read-only properties (sms_opt_out, id, timestamps) are ignored; a 422 names every bad field at once.${extras}`,
        },
      },
    )
    .get('/:id', ({ params }) => service.get(parseCustomerId(params.id)), {
      permission: 'view_customers',
      params: model.idParams,
      response: { 200: model.customer, ...notFound },
      detail: {
        tags,
        summary: 'Get a customer',
        description: '404 "Customer not found" for an unknown, deleted or non-numeric id. Archived customers are found.',
      },
    })
    .patch('/:id', ({ params, body }) => service.update(parseCustomerId(params.id), body), {
      permission: 'edit_customers',
      params: model.idParams,
      body: model.update,
      response: { 200: model.customer, ...notFound },
      detail: {
        tags,
        summary: 'Change a customer',
        description: `Partial update: absent fields stay as they are; null clears an optional field; is_active false (or is_archived true) archives.${extras}`,
      },
    })
    .delete(
      '/:id',
      async ({ params, user, clientIp, status }) => {
        const id = parseCustomerId(params.id)
        await service.softDelete(id)
        await ctx.audit.record({
          action: 'customer.deleted',
          userId: user.id,
          actorEmail: user.email,
          target: `customer:${id}`,
          ip: clientIp,
        })
        return status(204, undefined)
      },
      {
        permission: 'delete_customers',
        params: model.idParams,
        response: { 204: t.Void(), ...notFound },
        detail: {
          tags,
          summary: 'Delete a customer',
          description: 'Soft delete: the customer leaves lists and reads (404), its communications stay. Audited as customer.deleted.',
        },
      },
    )
    .post('/:id/archive', ({ params }) => service.setArchived(parseCustomerId(params.id), true), {
      permission: 'edit_customers',
      params: model.idParams,
      response: { 200: model.customer, ...notFound },
      detail: {
        tags,
        summary: 'Archive a customer',
        description: 'Hides the customer from the default list (is_archived true, is_active false). Not a deletion; idempotent.',
      },
    })
    .post('/:id/unarchive', ({ params }) => service.setArchived(parseCustomerId(params.id), false), {
      permission: 'edit_customers',
      params: model.idParams,
      response: { 200: model.customer, ...notFound },
      detail: {
        tags,
        summary: 'Restore an archived customer',
        description: 'Back in the default list (is_archived false, is_active true); idempotent.',
      },
    })
    .get('/:id/communications', ({ user, params, query }) => service.timeline(user, parseCustomerId(params.id), query), {
      permission: 'view_customers',
      params: model.idParams,
      query: model.timelineQuery,
      response: { 200: model.timeline, ...notFound },
      detail: {
        tags,
        summary: "A customer's communications",
        description:
          'SMS and e-mail linked to the customer, newest first. Without view_all_communications: the messages you sent plus inbound messages (as in the history).',
      },
    })
}
