import type { TSchema } from 'elysia'

/**
 * A 200 answer that the OpenAPI document describes but Elysia does not check
 * at run time. Only for the hottest routes, whose bodies a view function
 * builds field by field: the per-response check and clean cost a quarter of a
 * customer search. tests/docs/conformance.test.ts holds their answers to the
 * document on both databases.
 */
export function uncheckedResponse(description: string, schema: TSchema) {
  // A TypeBox schema is a JSON Schema; the OpenAPI types do not know it. The document normalises a copy (docs/document.ts).
  return { description, content: { 'application/json': { schema: schema as unknown as Record<string, never> } } }
}
