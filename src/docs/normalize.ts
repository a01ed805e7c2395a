/**
 * Fixes the few places where the generated document is OpenAPI 3.0 rather
 * than 3.1 (checked by tests/docs/openapi-lint.test.ts):
 * - TypeBox's Nullable adds `nullable: true`, a 3.0 keyword; 3.1 says
 *   `type: [X, "null"]`, which the schema mostly carries already;
 * - a `t.Void()` response becomes `content: {type: "void"}`: a bodiless answer has no content.
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
  if (isResponse(record) && typeof record.content === 'object' && record.content !== null) {
    const content = record.content as Record<string, unknown>
    if (typeof content.type === 'string') delete record.content
  }
  for (const value of Object.values(record)) toOpenApi31(value)
}

function allowNull(schema: Record<string, unknown>): void {
  const { type, anyOf } = schema
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
