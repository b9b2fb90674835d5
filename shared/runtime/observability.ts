import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one place that creates Logger, Metrics and Tracer. Every log line carries the correlation id
 * once `setCorrelationId` (or the HTTP correlation middleware) has set it for the invocation.
 */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'scm-route-optimizer';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ScmRouteOptimizer',
});

export { MetricUnit };
export type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit];

/** One recorded metric value, as the local runtime's sink receives it. */
export interface MetricSample {
  name: string;
  unit: MetricUnitName;
  value: number;
  /** Dimensions besides `service`. */
  dimensions: Record<string, string>;
}

let metricsSink: ((sample: MetricSample) => void) | undefined;

/**
 * Where the local runtime keeps its own view of the metrics (the ops page reads it); in Lambda
 * there is none and the values go to CloudWatch as EMF only.
 */
export function setMetricsSink(sink: ((sample: MetricSample) => void) | undefined): void {
  metricsSink = sink;
}

/**
 * Records one operational metric (contract §5): its own EMF line with exactly these dimensions
 * (plus `service`), so the dashboard's and alarms' metric streams do not depend on which other
 * dimensions the invocation happened to add; and the same sample to the local sink, if any.
 * With POWERTOOLS_METRICS_DISABLED=true (the local runtime) only the sink receives it.
 */
export function recordMetric(
  name: string,
  unit: MetricUnitName,
  value: number,
  dimensions: Record<string, string> = {},
): void {
  const single = metrics.singleMetric();
  for (const [key, v] of Object.entries(dimensions)) single.addDimension(key, v);
  single.addMetric(name, unit, value);
  metricsSink?.({ name, unit, value, dimensions });
}

/** X-Ray tracing is on in Lambda (active tracing) and off in the local runtime and tests. */
export const tracingEnabled = process.env.POWERTOOLS_TRACE_ENABLED !== 'false';

let tracerPromise: Promise<Tracer> | undefined;

/**
 * The Tracer, loaded only when tracing is on: the X-Ray SDK it brings makes Node track every
 * promise, which slows the local runtime noticeably for nothing.
 */
export function tracer(): Promise<Tracer> {
  tracerPromise ??= import('@aws-lambda-powertools/tracer').then(({ Tracer }) => new Tracer({ serviceName }));
  return tracerPromise;
}

/** Traces AWS SDK v3 clients (subsegments per call) when tracing is on. */
export async function traceClients(clients: readonly object[]): Promise<void> {
  if (!tracingEnabled) return;
  const t = await tracer();
  for (const client of clients) t.captureAWSv3Client(client as never);
}

/** Publishes the invocation's metrics (EMF), if it recorded any: no empty-metrics warning per call. */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** Sets the correlation id on every following log line of this invocation. */
export function setCorrelationId(correlationId: string): void {
  logger.appendKeys({ correlationId });
}

export function clearCorrelationId(): void {
  logger.removeKeys(['correlationId']);
}
