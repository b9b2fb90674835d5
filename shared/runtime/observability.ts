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
