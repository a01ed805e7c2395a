import { VERSION } from '../../version'
import type { OperationTable } from './types'
import { refusal } from './refusal'

export const SYSTEM_OPERATIONS: OperationTable = {
  'GET /health': {
    description: 'For load balancers and monitoring: 200 while the database answers, 503 while it does not. No authentication.',
    responses: {
      '200': {
        description: 'The server and its database are up',
        example: { status: 'ok', database: 'ok', version: VERSION, commit: '3f9c2e1a7b4d' },
      },
      '503': {
        description: 'The database does not answer',
        example: { status: 'degraded', database: 'unavailable', version: VERSION, commit: '3f9c2e1a7b4d', detail: 'Database unavailable' },
      },
    },
  },
  'GET /metrics': {
    responses: {
      '200': {
        description: 'Prometheus text exposition format',
        example:
          '# HELP crm_http_requests_total HTTP requests by method, route and status\n# TYPE crm_http_requests_total counter\ncrm_http_requests_total{method="GET",route="/api/v2/customers",status="200"} 1532\n',
      },
      '401': refusal('METRICS_TOKEN is set and the bearer token does not match it', 'Could not validate credentials'),
    },
  },
}
