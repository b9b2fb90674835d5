import {
  attemptDelivery,
  type CallbackDeps,
  deadLetterDelivery,
  prepareDelivery,
} from '../../shared/domain/callbacks/delivery';
import { clearCorrelationId, metrics, setCorrelationId } from '../../shared/runtime/observability';
import {
  AttemptTaskInput,
  type AttemptTaskOutput,
  DeadLetterTaskInput,
  PrepareTaskInput,
  type PrepareTaskOutput,
} from '../../shared/schemas/callbacks';
import { callbackDependencies } from './dependencies';

/**
 * The Task states of the callback delivery state machine (infra/constructs/callbacks.ts): each
 * parses its input, calls one use case and returns its result. Locally, aws-local-stepfunctions
 * calls these same functions for the same states (local/callbacks/).
 */
export function deliveryTasks(deps: () => CallbackDeps) {
  return {
    prepare: async (event: unknown): Promise<PrepareTaskOutput> => {
      const input = PrepareTaskInput.parse(event);
      return prepareDelivery({ event: input.event, executionId: input.executionId }, deps());
    },
    attempt: async (event: unknown): Promise<AttemptTaskOutput> =>
      attemptDelivery(AttemptTaskInput.parse(event), deps()),
    deadLetter: async (event: unknown): Promise<{ deadLettered: boolean }> =>
      deadLetterDelivery(DeadLetterTaskInput.parse(event), deps()),
  };
}

const tasks = deliveryTasks(() => callbackDependencies());

/** Lambda entry: correlation id on every log line, metrics flushed at the end of the invocation. */
function lambda<T>(task: (event: unknown) => Promise<T>) {
  return async (event: unknown): Promise<T> => {
    const correlationId = findCorrelationId(event);
    if (correlationId) setCorrelationId(correlationId);
    try {
      return await task(event);
    } finally {
      metrics.publishStoredMetrics();
      clearCorrelationId();
    }
  };
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
