// Reading answer bodies with the types the routes declare, instead of casting them.
import { expect } from 'bun:test'
import type { AppClient } from '../../testkit/app'

/** The body Eden infers for the 2xx answer of a client call: `BodyOf<AppClient['api']['v2']['customers']['post']>`. */
export type BodyOf<Call extends (...args: never[]) => Promise<{ data: unknown }>> = NonNullable<Awaited<ReturnType<Call>>['data']>

/** The /api/v2 routes of the typed client, for naming a route's types: `BodyOf<Api['customers']['post']>`. */
export type Api = AppClient['api']['v2']

type LoginBody = BodyOf<Api['auth']['login']['post']>

/** A login answer that signed in, rather than one asking for the second factor. */
export function signedIn(body: LoginBody): Extract<LoginBody, { access_token: string }> {
  if ('access_token' in body) return body
  throw new Error('the login asked for a second factor')
}

/**
 * A raw answer's JSON body, typed as Eden types the answer of the route `Call`: for tests that must
 * keep the Response (its headers, or a check against the OpenAPI document) and still read the body.
 */
export async function bodyAs<Call extends (...args: never[]) => Promise<{ data: unknown }>>(response: Response): Promise<BodyOf<Call>> {
  return response.json()
}

/** Asserts the status of an Eden answer and returns its body, typed from the route. */
export function expectBody<T>(answer: { status: number; data: T | null; error: { value: unknown } | null }, status: number): T {
  expect({ status: answer.status, error: answer.error?.value }).toEqual({ status, error: undefined })
  if (answer.data === null) throw new Error(`HTTP ${status} without a body`)
  return answer.data
}

export interface ErrorBody {
  detail: string
  errors?: { field: string; message: string }[]
}

/** The `{detail}` body every refusal carries, checked rather than assumed. */
export async function errorBody(response: Response): Promise<ErrorBody> {
  const body: unknown = await response.json()
  const detail = typeof body === 'object' && body !== null && 'detail' in body ? body.detail : undefined
  const errors = typeof body === 'object' && body !== null && 'errors' in body ? body.errors : []
  // Not toMatchObject on `body`: Bun's asymmetric matchers would be written into it.
  if (typeof detail !== 'string' || !Array.isArray(errors)) throw new Error(`not an error body: ${JSON.stringify(body)}`)
  return body as ErrorBody
}

/** The `field` of each entry of a refusal's `errors`. */
export async function errorFields(response: Response): Promise<string[]> {
  return ((await errorBody(response)).errors ?? []).map((error) => error.field)
}

/** The fields of a user as /me, login and the users list answer them, sorted. */
export const USER_VIEW_KEYS = [
  'created_at',
  'email',
  'first_name',
  'full_name',
  'id',
  'is_active',
  'last_login',
  'last_login_at',
  'last_name',
  'permissions',
  'role',
]
