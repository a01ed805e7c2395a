/**
 * Fixes the few places where the generated document is OpenAPI 3.0 rather
 * than 3.1, or says less than the routes do (checked by tests/docs/openapi-lint.test.ts):
 * - TypeBox's Nullable adds `nullable: true`, a 3.0 keyword; 3.1 says
 *   `type: [X, "null"]`, which the schema mostly carries already;
 * - a `t.Void()` response becomes `content: {type: "void"}`: a bodiless answer has no content;
 * - `t.Integer`/`t.Numeric` become `anyOf [{type: string, format: integer, default: 0}, {type: integer}]`
 *   because Elysia also accepts them as strings (query coercion): documented as the integer they are,
 *   with int32/int64 from their bounds.
 */
export function toOpenApi31(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) toOpenApi31(item)
    return
  }
  if (typeof node !== 'object' || node === null) return
  const record = node as Record<string, unknown>
  if ('nullable' in record) {
    const nullable = record.nullable === true
    delete record.nullable
    if (nullable) allowNull(record)
  }
  collapseCoercedNumber(record)
  if (isResponse(record) && typeof record.content === 'object' && record.content !== null) {
    const content = record.content as Record<string, unknown>
    if (typeof content.type === 'string') delete record.content
  }
  for (const value of Object.values(record)) toOpenApi31(value)
}

function allowNull(schema: Record<string, unknown>): void {
  const { type, anyOf, enum: values } = schema
  // An enum lists every allowed value: null must be one of them too.
  if (Array.isArray(values) && !values.includes(null)) values.push(null)
  if (Array.isArray(type)) {
    if (!type.includes('null')) type.push('null')
  } else if (typeof type === 'string') {
    schema.type = [type, 'null']
  } else if (Array.isArray(anyOf)) {
    if (!anyOf.some((s) => (s as { type?: unknown })?.type === 'null')) anyOf.push({ type: 'null' })
  }
}

function isResponse(record: Record<string, unknown>): boolean {
  return typeof record.description === 'string' && 'content' in record
}

const INT32_MAX = 2_147_483_647
const COERCED_FORMATS = new Set(['integer', 'numeric'])

/** The string branch Elysia adds to numbers it coerces from text. */
function isCoercionBranch(schema: unknown): boolean {
  const s = schema as Record<string, unknown> | null
  return s?.type === 'string' && COERCED_FORMATS.has(s.format as string)
}

/** `anyOf [coercion string, number]` → the number schema, keeping the outer keywords (description, bounds). */
function collapseCoercedNumber(schema: Record<string, unknown>): void {
  const { anyOf } = schema
  if (Array.isArray(anyOf) && anyOf.length === 2 && anyOf.some(isCoercionBranch)) {
    const number = anyOf.find((branch) => !isCoercionBranch(branch)) as Record<string, unknown> | undefined
    if (number && (number.type === 'integer' || number.type === 'number')) {
      delete schema.anyOf
      Object.assign(schema, number)
    }
  }
  if (schema.type === 'integer' && schema.format === undefined) {
    const { minimum, maximum } = schema as { minimum?: number; maximum?: number }
    const int32 = maximum !== undefined && maximum <= INT32_MAX && (minimum === undefined || minimum >= -INT32_MAX - 1)
    schema.format = int32 ? 'int32' : 'int64'
  }
}
