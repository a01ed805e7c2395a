import type * as PromClient from 'prom-client'
import { RequestSeries } from './request-series'

// The two classes from their own files: prom-client's index also loads its push gateway
// (node:http, node:https, node:zlib) and cluster support, ~10 MB resident at start for nothing.
const Registry: typeof PromClient.Registry = require('prom-client/lib/registry')
const Counter: typeof PromClient.Counter = require('prom-client/lib/counter')

/** One registry per app, so several apps in one test process do not share counters. */
export class Metrics {
  readonly registry = new Registry()
  readonly authFailures = this.counter('crm_auth_failures_total', 'Requests answered 401, by reason', ['reason'])
  readonly forbidden = this.counter('crm_forbidden_total', 'Requests answered 403, by reason', ['reason'])
  readonly rateLimited = this.counter('crm_rate_limited_total', 'Requests answered 429, by limit', ['limit'])
  readonly signatureFailures = this.counter('crm_webhook_signature_failures_total', 'Twilio webhooks rejected for their signature', [
    'reason',
  ])
  readonly messages = this.counter('crm_messages_total', 'Messages by channel, direction and status', ['channel', 'direction', 'status'])

  private readonly requestSeries = new RequestSeries()
  /** Answered requests since start, as a plain number: what the idle-memory check reads (idle-memory.ts). */
  answered = 0

  constructor() {
    for (const metric of this.requestSeries.metrics()) this.registry.registerMetric(metric as unknown as PromClient.Metric)
  }

  /** Every answered request: one count by method, route pattern and status, one duration by route. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requestSeries.observe(method, route, status, seconds)
    this.answered++
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): PromClient.Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] })
  }

  render(): Promise<string> {
    return this.registry.metrics()
  }
}
