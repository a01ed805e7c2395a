import { expect } from 'bun:test'
import { errorBody, expectBody, type AppClient, type BodyOf, type TestApp } from '../helpers/harness'

type Customers = AppClient['api']['v2']['customers']
export type CustomerBody = BodyOf<Customers['post']>
export type ListBody = BodyOf<Customers['get']>
type NewCustomer = Parameters<Customers['post']>[0]
type ListQuery = NonNullable<Parameters<Customers['get']>[0]>['query']

/**
 * Creates a customer through the API and returns it (asserting 201). Fields the
 * API does not know may be passed too: it must ignore them.
 */
export async function createCustomer(
  testApp: Pick<TestApp, 'client'>,
  token: string,
  fields: Partial<NewCustomer> & Record<string, unknown>,
): Promise<CustomerBody> {
  return expectBody(await testApp.client(token).api.v2.customers.post({ first_name: 'Test', last_name: 'Customer', ...fields }), 201)
}

export async function listCustomers(testApp: Pick<TestApp, 'client'>, token: string, query: ListQuery = {}): Promise<ListBody> {
  return expectBody(await testApp.client(token).api.v2.customers.get({ query }), 200)
}

/** The `field` names of a 422 answer. */
export async function invalidFields(response: Response): Promise<string[]> {
  expect(response.status).toBe(422)
  const body = await errorBody(response)
  expect(body.detail).toBe('Request validation failed')
  return (body.errors ?? []).map((error) => error.field)
}
