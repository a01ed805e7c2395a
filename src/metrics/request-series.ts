import type { MetricValueWithName } from 'prom-client'

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]

interface CountSeries {
  labels: { method: string; route: string; status: string }
  value: number
}

interface DurationSeries {
  route: string
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  buckets: number[]
  sum: number
  count: number
}

/**
 * The request counter and duration histogram, kept in two plain maps and turned
 * into Prometheus samples only when /metrics is read. prom-client's own
 * Counter/Histogram validate and hash their label objects on every call, which
 * cost a visible share of a /health request; the text they expose is the same.
 * Registered with the prom-client registry through its metric interface (get/reset).
 */
export class RequestSeries {
  private readonly counts = new Map<string, CountSeries>()
  private readonly durations = new Map<string, DurationSeries>()

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`
    const counted = this.counts.get(key)
    if (counted) counted.value++
    else this.counts.set(key, { labels: { method, route, status: String(status) }, value: 1 })

    let timed = this.durations.get(route)
    if (!timed) {
      timed = { route, buckets: new Array(DURATION_BUCKETS.length + 1).fill(0), sum: 0, count: 0 }
      this.durations.set(route, timed)
    }
    let bucket = 0
    while (bucket < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[bucket] ?? Number.POSITIVE_INFINITY)) bucket++
    timed.buckets[bucket] = (timed.buckets[bucket] ?? 0) + 1
    timed.sum += seconds
    timed.count++
  }

  /** Objects with the shape of prom-client metrics (name, help, type, get, reset) for `registerMetric`. */
  metrics() {
    const counter = {
      name: 'crm_http_requests_total',
      help: 'HTTP requests by method, route and status',
      type: 'counter' as const,
      aggregator: 'sum' as const,
      get: async () => ({
        name: counter.name,
        help: counter.help,
        type: counter.type,
        aggregator: counter.aggregator,
        values: [...this.counts.values()].map((series) => ({ labels: { ...series.labels }, value: series.value })),
      }),
      reset: () => this.counts.clear(),
    }
    const histogram = {
      name: 'crm_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      type: 'histogram' as const,
      aggregator: 'sum' as const,
      get: async () => {
        const values: MetricValueWithName<string>[] = []
        for (const series of this.durations.values()) {
          let cumulative = 0
          DURATION_BUCKETS.forEach((bound, i) => {
            cumulative += series.buckets[i] ?? 0
            values.push({ metricName: `${histogram.name}_bucket`, labels: { le: bound, route: series.route }, value: cumulative })
          })
          values.push({ metricName: `${histogram.name}_bucket`, labels: { le: '+Inf', route: series.route }, value: series.count })
          values.push({ metricName: `${histogram.name}_sum`, labels: { route: series.route }, value: series.sum })
          values.push({ metricName: `${histogram.name}_count`, labels: { route: series.route }, value: series.count })
        }
        return { name: histogram.name, help: histogram.help, type: histogram.type, aggregator: histogram.aggregator, values }
      },
      reset: () => this.durations.clear(),
    }
    return [counter, histogram]
  }
}
