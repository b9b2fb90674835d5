import { lambdaHandler } from '../../shared/runtime/lambda';
import { setCorrelationId } from '../../shared/runtime/observability';
import { callbackDependencies } from './callback-composition';
import { deliveryTasks } from './tasks';

/** Lambda entry points of the delivery state machine's Task states (the tasks are in ./tasks.ts). */
const tasks = deliveryTasks(() => callbackDependencies());

/**
 * Correlation id on every log line of the invocation (one task per invocation; reset after it by
 * injectLambdaContext), metrics flushed at its end.
 */
function lambda<T>(task: (event: unknown) => Promise<T>) {
  return lambdaHandler(async (event: unknown): Promise<T> => {
    const correlationId = findCorrelationId(event);
    if (correlationId) setCorrelationId(correlationId);
    return task(event);
  });
}

function findCorrelationId(event: unknown): string | undefined {
  const e = event as
    | { correlationId?: unknown; event?: { detail?: { correlationId?: unknown } } }
    | undefined;
  const value = e?.correlationId ?? e?.event?.detail?.correlationId;
  return typeof value === 'string' ? value : undefined;
}

export const prepare = lambda(tasks.prepare);
export const attempt = lambda(tasks.attempt);
export const deadLetter = lambda(tasks.deadLetter);
