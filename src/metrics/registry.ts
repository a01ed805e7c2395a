import type * as PromClient from 'prom-client'
import { RequestSeries } from './request-series'

// The two classes from their own files: prom-client's index also loads its push gateway
// (node:http, node:https, node:zlib) and cluster support, ~10 MB resident at start for nothing.
const Registry: typeof PromClient.Registry = require('prom-client/lib/registry')
const Counter: typeof PromClient.Counter = require('prom-client/lib/counter')

/** One registry per app, so several apps in one test process do not share counters. */
export class Metrics {
  readonly registry = new Registry()
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

  private readonly requestSeries = new RequestSeries()

  constructor() {
    for (const metric of this.requestSeries.metrics()) this.registry.registerMetric(metric as unknown as PromClient.Metric)
  }

  /** Every answered request: one count by method, route pattern and status, one duration by route. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requestSeries.observe(method, route, status, seconds)
  }

  render(): Promise<string> {
    return this.registry.metrics()
  }
}
