import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one place that creates Logger, Metrics and Tracer (the Lambda middlewares are in lambda.ts).
 * Every log line carries the correlation id once `setCorrelationId` (or the HTTP correlation
 * middleware) has set it for the invocation; an SQS message logs through its own messageLogger.
 */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'scm-route-optimizer';

export const logger = new Logger({ serviceName });

const EMPTY_METRICS_WARNING = 'No application metrics to publish';
// biome-ignore lint/suspicious/noExplicitAny: Powertools' GenericLogger takes any content
type LogArgs = any[];
const text = (args: LogArgs) => args.map(String).join(' ');
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ScmRouteOptimizer',
  // logMetrics flushes after every invocation, and most record no metric of their own (ticks,
  // reads): that is no warning here. Metrics' other warnings go to the shared logger.
  logger: {
    debug: (...args: LogArgs) => logger.debug(text(args)),
    info: (...args: LogArgs) => logger.info(text(args)),
    warn: (...args: LogArgs) =>
      String(args[0]).startsWith(EMPTY_METRICS_WARNING) ? logger.debug(text(args)) : logger.warn(text(args)),
    error: (...args: LogArgs) => logger.error(text(args)),
  },
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

/** Sets the correlation id on every following log line of this invocation (reset after it by injectLambdaContext). */
export function setCorrelationId(correlationId: string): void {
  logger.appendKeys({ correlationId });
}

export function clearCorrelationId(): void {
  logger.removeKeys(['correlationId']);
}
