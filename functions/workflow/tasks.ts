import { attemptDelivery } from '../../shared/domain/callbacks/attempt';
import { deadLetterDelivery } from '../../shared/domain/callbacks/dead-letter';
import type { CallbackDeps } from '../../shared/domain/callbacks/delivery';
import { prepareDelivery } from '../../shared/domain/callbacks/prepare';
import {
  AttemptTaskInput,
  type AttemptTaskOutput,
  DeadLetterTaskInput,
  PrepareTaskInput,
  type PrepareTaskOutput,
} from '../../shared/schemas/callbacks';

/**
 * The Task states of the callback delivery state machine (infra/constructs/callbacks.ts): each
 * parses its input, calls one use case and returns its result. The Lambda entry points
 * (./callbacks.ts) and the local runtime (aws-local-stepfunctions) call these same functions.
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
