import { describe, expect, test } from 'bun:test'
import { RequestSeries } from '../../src/metrics/request-series'

type Sample = { metricName: string; labels: Record<string, string | number>; value: number }

describe('request series', () => {
  test('one count per method, route and status, listed in the order first seen; one duration series per route', async () => {
    const series = new RequestSeries()
    series.observe('GET', '/health', 200, 0.0004)
    series.observe('POST', '/api/v2/customers', 201, 0.003)
    series.observe('GET', '/health', 200, 0.002)
    series.observe('HEAD', '/health', 200, 0.0001)
    series.observe('GET', '/health', 503, 0.02)
    const [counter, histogram] = series.metrics()
    expect((await counter!.get()).values).toEqual([
      { labels: { method: 'GET', route: '/health', status: '200' }, value: 2 },
      { labels: { method: 'POST', route: '/api/v2/customers', status: '201' }, value: 1 },
      { labels: { method: 'HEAD', route: '/health', status: '200' }, value: 1 },
      { labels: { method: 'GET', route: '/health', status: '503' }, value: 1 },
    ])
    const values = (await histogram!.get()).values as Sample[]
    const health = values.filter((v) => v.labels.route === '/health')
    expect(health.find((v) => v.metricName.endsWith('_count'))?.value).toBe(4)
    expect(health.find((v) => v.metricName.endsWith('_bucket') && v.labels.le === 0.001)?.value).toBe(2)
    expect(health.find((v) => v.metricName.endsWith('_bucket') && v.labels.le === 0.025)?.value).toBe(4)

    counter!.reset()
    expect((await counter!.get()).values).toEqual([])
    series.observe('GET', '/health', 200, 0.001)
    expect((await counter!.get()).values).toEqual([{ labels: { method: 'GET', route: '/health', status: '200' }, value: 1 }])
    expect(
      ((await histogram!.get()).values as Sample[]).find((v) => v.labels.route === '/health' && v.metricName.endsWith('_count'))?.value,
    ).toBe(5)
  })
})
