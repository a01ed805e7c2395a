import { Elysia, t } from 'elysia'
import type { AppContext } from '../context'
import { authPlugin } from '../auth/plugin'
import { requestContext } from '../http/request-context'
import { CustomerModel } from './model'
import { CustomerService, parseCustomerId } from './service'

const tags = ['Customers']
const notFound = { 404: CustomerModel.error }

/** Customers (SPEC 6): view_customers reads, edit_customers writes, delete_customers deletes. */
export function customersModule(ctx: AppContext) {
  const service = new CustomerService(ctx)
  return new Elysia({ name: 'customers', seed: ctx.id, prefix: '/api/v2/customers' })
    .use(requestContext(ctx))
    .use(authPlugin(ctx))
    .get('/', ({ query }) => service.list(query), {
      permission: 'view_customers',
      query: CustomerModel.listQuery,
      response: { 200: CustomerModel.list },
      detail: {
        tags,
        summary: 'List customers',
        description:
          'Newest first (descending id). `search` matches a case-insensitive substring of first name, last name, e-mail, phone or company; ' +
          'a phone-like term ("555-0143", "+1 415") also matches stored E.164 numbers. Deleted customers never appear.',
      },
    })
    .post(
      '/',
      async ({ body, set }) => {
        const customer = await service.create(body)
        set.status = 201
        return customer
      },
      {
        permission: 'edit_customers',
        body: CustomerModel.create,
        response: { 201: CustomerModel.customer },
        detail: { tags, summary: 'Create a customer', description: 'Unknown and read-only properties (sms_opt_out, id, timestamps) are ignored.' },
      },
    )
    .get('/:id', ({ params }) => service.get(parseCustomerId(params.id)), {
      permission: 'view_customers',
      params: CustomerModel.idParams,
      response: { 200: CustomerModel.customer, ...notFound },
      detail: { tags, summary: 'Get a customer', description: '404 "Customer not found" for an unknown, deleted or non-numeric id.' },
    })
    .patch('/:id', ({ params, body }) => service.update(parseCustomerId(params.id), body), {
      permission: 'edit_customers',
      params: CustomerModel.idParams,
      body: CustomerModel.update,
      response: { 200: CustomerModel.customer, ...notFound },
      detail: { tags, summary: 'Change a customer', description: 'Partial update: absent fields stay as they are; null clears an optional field.' },
    })
    .delete(
      '/:id',
      async ({ params, user, clientIp, set }) => {
        const id = parseCustomerId(params.id)
        await service.softDelete(id)
        await ctx.audit.record({ action: 'customer.deleted', userId: user.id, actorEmail: user.email, target: `customer:${id}`, ip: clientIp })
        set.status = 204
      },
      {
        permission: 'delete_customers',
        params: CustomerModel.idParams,
        response: { 204: t.Void(), ...notFound },
        detail: {
          tags,
          summary: 'Delete a customer',
          description: 'Soft delete: the customer leaves lists and reads (404), its communications stay. Audited as customer.deleted.',
        },
      },
    )
    .get('/:id/communications', ({ params, query }) => service.timeline(parseCustomerId(params.id), query), {
      permission: 'view_customers',
      params: CustomerModel.idParams,
      query: CustomerModel.timelineQuery,
      response: { 200: CustomerModel.timeline, ...notFound },
      detail: { tags, summary: "A customer's communications", description: 'Every SMS and e-mail linked to the customer, newest first.' },
    })
}
