import { ADMIN_OPERATIONS } from './admin'
import { AUTH_OPERATIONS } from './auth'
import { COMMUNICATION_OPERATIONS } from './communications'
import { CONVERSATION_OPERATIONS } from './conversations'
import { CUSTOMER_OPERATIONS } from './customers'
import { SYSTEM_OPERATIONS } from './system'
import type { OperationTable } from './types'
import { WEBHOOK_OPERATIONS } from './webhooks'

export type { OperationDoc, OperationTable, ResponseDoc } from './types'

/**
 * Descriptions and examples of every operation, one file per area. A route
 * without an entry here is reported by tests/docs/openapi-examples.test.ts.
 */
export const OPERATIONS: OperationTable = {
  ...SYSTEM_OPERATIONS,
  ...AUTH_OPERATIONS,
  ...CUSTOMER_OPERATIONS,
  ...COMMUNICATION_OPERATIONS,
  ...CONVERSATION_OPERATIONS,
  ...ADMIN_OPERATIONS,
  ...WEBHOOK_OPERATIONS,
}
