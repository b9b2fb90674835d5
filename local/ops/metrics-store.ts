import type { MetricSample } from '../../shared/runtime/observability';

/** One sample as kept: the metric, its dimensions and when (wall-clock ms) it was recorded. */
export interface StoredSample extends MetricSample {
  at: number;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** The key of one metric stream: its name and dimensions, as CloudWatch tells streams apart. */
export function streamKey(name: string, dimensions: Record<string, string> = {}): string {
  const dims = Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b));
  return dims.length ? `${name}{${dims.map(([k, v]) => `${k}=${v}`).join(',')}}` : name;
}

/** Nearest-rank percentile of sorted values (CloudWatch's pNN on raw samples). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? null;
}

/**
 * The local runtime's own view of the service metrics: every `recordMetric` sample (the same names
 * and dimensions as the EMF lines CloudWatch receives in AWS), kept in memory for `retentionMs`,
 * at most `maxSamples`. The ops page reads sums, percentiles and per-bucket series from it.
 */
export class LocalMetrics {
  private samples: StoredSample[] = [];

  constructor(
    private readonly options: { retentionMs?: number; maxSamples?: number; nowMs?: () => number } = {},
  ) {}

  private now(): number {
    return this.options.nowMs?.() ?? Date.now();
  }

  record = (sample: MetricSample): void => {
    this.samples.push({ ...sample, dimensions: { ...sample.dimensions }, at: this.now() });
    const max = this.options.maxSamples ?? 100_000;
    const horizon = this.now() - (this.options.retentionMs ?? 3_600_000);
    if (this.samples.length > max || (this.samples[0]?.at ?? horizon) < horizon) {
      this.samples = this.samples.filter((s) => s.at >= horizon).slice(-max);
    }
  };

  /** Samples of `name` (with every dimension in `dimensions`, others free) since `sinceMs`. */
  select(
    name: string,
    options: { dimensions?: Record<string, string>; sinceMs?: number } = {},
  ): StoredSample[] {
    const since = options.sinceMs ?? 0;
    const want = Object.entries(options.dimensions ?? {});
    return this.samples.filter(
      (s) => s.name === name && s.at >= since && want.every(([k, v]) => s.dimensions[k] === v),
    );
  }

  sum(name: string, options: { dimensions?: Record<string, string>; sinceMs?: number } = {}): number {
    return this.select(name, options).reduce((total, s) => total + s.value, 0);
  }

  percentiles(
    name: string,
    options: { dimensions?: Record<string, string>; sinceMs?: number } = {},
  ): Percentiles {
    const values = this.select(name, options)
      .map((s) => s.value)
      .sort((a, b) => a - b);
    return {
      count: values.length,
      p50: percentile(values, 50),
      p95: percentile(values, 95),
      p99: percentile(values, 99),
    };
  }

  /** The latest value of every stream of `name`, by dimensions (gauges: circuit state, depths). */
  latest(name: string): { dimensions: Record<string, string>; value: number; at: number }[] {
    const byStream = new Map<string, StoredSample>();
    for (const s of this.samples) if (s.name === name) byStream.set(streamKey(s.name, s.dimensions), s);
    return [...byStream.values()].map(({ dimensions, value, at }) => ({ dimensions, value, at }));
  }

  /**
   * A time series in `bucketMs` buckets ending now: per bucket the sum (counters) or the maximum
   * (gauges, latencies: the worst in the bucket), null where nothing was recorded.
   */
  series(
    name: string,
    options: {
      bucketMs: number;
      buckets: number;
      stat: 'sum' | 'max';
      dimensions?: Record<string, string>;
    },
  ): { t: number[]; v: (number | null)[] } {
    const end = Math.ceil(this.now() / options.bucketMs) * options.bucketMs;
    const start = end - options.bucketMs * options.buckets;
    const t = Array.from({ length: options.buckets }, (_, i) => start + i * options.bucketMs);
    const v: (number | null)[] = t.map(() => null);
    for (const s of this.select(name, {
      sinceMs: start,
      ...(options.dimensions ? { dimensions: options.dimensions } : {}),
    })) {
      const i = Math.min(options.buckets - 1, Math.floor((s.at - start) / options.bucketMs));
      const prev = v[i] ?? null;
      v[i] = prev === null ? s.value : options.stat === 'sum' ? prev + s.value : Math.max(prev, s.value);
    }
    return { t, v };
  }
}
