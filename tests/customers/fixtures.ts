import { expect } from 'bun:test'
import type { TestApp } from '../helpers/harness'

export interface CustomerBody {
  id: number
  first_name: string
  last_name: string
  email: string | null
  phone: string | null
  company: string | null
  notes: string | null
  tags: string[]
  sms_opt_out: boolean
  created_at: string
  updated_at: string
}

export interface ListBody<T = CustomerBody> {
  items: T[]
  total: number
  page: number
  page_size: number
}

export interface ErrorBody {
  detail: string
  errors?: { field: string; message: string }[]
}

/** Creates a customer through the API and returns it (asserting 201). */
export async function createCustomer(app: TestApp, token: string, fields: Record<string, unknown>): Promise<CustomerBody> {
  const response = await app.request('POST', '/api/v2/customers', { token, json: { first_name: 'Test', last_name: 'Customer', ...fields } })
  const body = await response.json()
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${JSON.stringify(body)}`)
  return body as CustomerBody
}

export async function listCustomers(app: TestApp, token: string, query = ''): Promise<ListBody> {
  const response = await app.request('GET', `/api/v2/customers${query ? `?${query}` : ''}`, { token })
  expect(response.status).toBe(200)
  return (await response.json()) as ListBody
}

/** The `field` names of a 422 answer. */
export async function invalidFields(response: Response): Promise<string[]> {
  expect(response.status).toBe(422)
  const body = (await response.json()) as ErrorBody
  expect(body.detail).toBe('Request validation failed')
  return (body.errors ?? []).map((error) => error.field)
}
