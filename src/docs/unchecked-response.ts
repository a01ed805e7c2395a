import type { TSchema } from 'elysia'

/**
 * A 200 answer that the OpenAPI document describes but Elysia does not check
 * at run time. Only for the hottest routes, whose bodies a view function
 * builds field by field: the per-response check and clean cost a quarter of a
 * customer search. tests/docs/conformance.test.ts holds their answers to the
 * document on both databases.
 */
export function uncheckedResponse(description: string, schema: TSchema) {
  // A plain JSON copy: the document is normalised in place (docs/normalize.ts), and the
  // route schemas it would otherwise reach are the ones requests are validated with.
  const copy = JSON.parse(JSON.stringify(schema)) as Record<string, never>
  return { description, content: { 'application/json': { schema: copy } } }
}
