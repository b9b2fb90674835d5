import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one place that creates Logger, Metrics and Tracer. Every log line carries the correlation id
 * once `withCorrelationId` (or the HTTP correlation middleware) has set it for the invocation.
 */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'scm-route-optimizer';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ScmRouteOptimizer',
});
export const tracer = new Tracer({ serviceName, enabled: process.env.POWERTOOLS_TRACE_ENABLED !== 'false' });

export { MetricUnit };

/** Sets the correlation id on every following log line of this invocation. */
export function setCorrelationId(correlationId: string): void {
  logger.appendKeys({ correlationId });
}

export function clearCorrelationId(): void {
  logger.removeKeys(['correlationId']);
}
