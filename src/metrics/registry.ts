import { Counter, Histogram, Registry } from 'prom-client'

/** One registry per app, so several apps in one test process do not share counters. */
export class Metrics {
  readonly registry = new Registry()
  readonly requests = new Counter({
    name: 'crm_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  })
  readonly requestDuration = new Histogram({
    name: 'crm_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  })
  readonly authFailures = new Counter({
    name: 'crm_auth_failures_total',
    help: 'Requests answered 401, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })
  readonly forbidden = new Counter({
    name: 'crm_forbidden_total',
    help: 'Requests answered 403, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })
  readonly rateLimited = new Counter({
    name: 'crm_rate_limited_total',
    help: 'Requests answered 429, by limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  })
  readonly signatureFailures = new Counter({
    name: 'crm_webhook_signature_failures_total',
    help: 'Twilio webhooks rejected for their signature',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })
  readonly messages = new Counter({
    name: 'crm_messages_total',
    help: 'Messages by channel, direction and status',
    labelNames: ['channel', 'direction', 'status'] as const,
    registers: [this.registry],
  })

  render(): Promise<string> {
    return this.registry.metrics()
  }
}
