import { afterEach, describe, expect, it } from 'vitest';
import { batchingMetrics } from '../../functions/composition';
import { LocalMetrics, percentile, streamKey } from '../../local/ops/metrics-store';
import { METRICS } from '../../shared/domain/operations/metric-names';
import {
  type MetricSample,
  MetricUnit,
  recordMetric,
  setMetricsSink,
} from '../../shared/runtime/observability';

afterEach(() => setMetricsSink(undefined));

describe('recordMetric', () => {
  it('gives the local sink the same names and dimensions the EMF line carries', () => {
    const seen: MetricSample[] = [];
    setMetricsSink((s) => seen.push(s));
    batchingMetrics.batchOptimized({
      priority: 'BULK',
      region: 'eu-north',
      shipments: 40,
      stale: 1,
      unassigned: 0,
      solverSeconds: 2.5,
      seconds: 3.25,
      consolidationGainPct: 41,
    });
    batchingMetrics.realtimeOptimized({ outcome: 'optimized', seconds: 0.42 });
    batchingMetrics.staleResult();
    expect(seen).toEqual([
      {
        name: METRICS.optimizationSeconds,
        unit: MetricUnit.Seconds,
        value: 3.25,
        dimensions: { priority: 'BULK' },
      },
      { name: METRICS.realtimeSeconds, unit: MetricUnit.Seconds, value: 0.42, dimensions: {} },
      { name: 'RealtimeOptimized', unit: MetricUnit.Count, value: 1, dimensions: {} },
      { name: METRICS.versionConflicts, unit: MetricUnit.Count, value: 1, dimensions: {} },
    ]);
  });
  it('works without a sink (Lambda)', () => {
    expect(() => recordMetric('CallbackDelivered', MetricUnit.Count, 1)).not.toThrow();
  });
});

describe('LocalMetrics', () => {
  let now = Date.parse('2026-12-02T08:00:00Z');
  const store = () => new LocalMetrics({ nowMs: () => now, retentionMs: 600_000 });
  const sample = (name: string, value: number, dimensions: Record<string, string> = {}) => ({
    name,
    unit: MetricUnit.Seconds,
    value,
    dimensions,
  });

  it('nearest-rank percentiles per stream, as CloudWatch computes them on raw samples', () => {
    const m = store();
    for (let i = 1; i <= 100; i++) m.record(sample('OptimizationSeconds', i / 10, { priority: 'STANDARD' }));
    m.record(sample('OptimizationSeconds', 99, { priority: 'BULK' }));
    expect(m.percentiles('OptimizationSeconds', { dimensions: { priority: 'STANDARD' } })).toEqual({
      count: 100,
      p50: 5,
      p95: 9.5,
      p99: 9.9,
    });
    expect(m.percentiles('OptimizationSeconds').count).toBe(101);
    expect(m.percentiles('EndToEndSeconds')).toEqual({ count: 0, p50: null, p95: null, p99: null });
    expect(percentile([3], 99)).toBe(3);
  });

  it('sums counters since a time and keeps the latest value of each gauge stream', () => {
    const m = store();
    m.record(sample('CallbackDelivered', 1));
    now += 1_000;
    const since = now;
    m.record(sample('CallbackDelivered', 1));
    m.record(sample('CircuitState', 1, { endpoint: 'https://scm-a.example/hooks' }));
    m.record(sample('CircuitState', 1, { endpoint: 'https://scm-b.example/hooks' }));
    now += 1_000;
    m.record(sample('CircuitState', 0, { endpoint: 'https://scm-a.example/hooks' }));
    expect(m.sum('CallbackDelivered')).toBe(2);
    expect(m.sum('CallbackDelivered', { sinceMs: since })).toBe(1);
    expect(
      m
        .latest('CircuitState')
        .map((s) => [s.dimensions.endpoint, s.value])
        .sort(),
    ).toEqual([
      ['https://scm-a.example/hooks', 0],
      ['https://scm-b.example/hooks', 1],
    ]);
  });

  it('buckets a series (sum for counters, max for latencies) and forgets samples past retention', () => {
    const m = store();
    m.record(sample('CallbackFailed', 1));
    m.record(sample('CallbackFailed', 1));
    m.record(sample('RealtimeSeconds', 0.2));
    m.record(sample('RealtimeSeconds', 0.7));
    const counts = m.series('CallbackFailed', { bucketMs: 10_000, buckets: 6, stat: 'sum' });
    expect(counts.t).toHaveLength(6);
    expect(counts.v.filter((v) => v !== null)).toEqual([2]);
    expect(m.series('RealtimeSeconds', { bucketMs: 10_000, buckets: 6, stat: 'max' }).v.at(-1)).toBe(0.7);
    now += 700_000;
    m.record(sample('CallbackFailed', 1));
    expect(m.sum('CallbackFailed')).toBe(1);
    expect(streamKey('X', { b: '2', a: '1' })).toBe('X{a=1,b=2}');
  });
});
