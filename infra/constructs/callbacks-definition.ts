import { Duration } from 'aws-cdk-lib';
import {
  Choice,
  Condition,
  Fail,
  JsonPath,
  Pass,
  Result,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { ServiceFunction } from './function';

/** Task state name → handler export of functions/workflow/callbacks.ts. */
export const DELIVERY_TASKS = { Prepare: 'prepare', Attempt: 'attempt', DeadLetter: 'deadLetter' } as const;
export type DeliveryTaskHandler = (typeof DELIVERY_TASKS)[keyof typeof DELIVERY_TASKS];

/** The delivery workflow. JSONPath only, so the same definition runs in aws-local-stepfunctions. */
export function deliveryDefinition(
  scope: Construct,
  fns: { prepare: ServiceFunction; attempt: ServiceFunction; deadLetter: ServiceFunction },
) {
  const transient = {
    errors: ['DependencyError', 'ConcurrencyConflictError', 'States.Timeout'],
    interval: Duration.seconds(2),
    maxAttempts: 4,
    backoffRate: 2,
  };
  const prepare = new LambdaInvoke(scope, 'Prepare', {
    lambdaFunction: fns.prepare.live,
    payload: TaskInput.fromObject({ event: JsonPath.entirePayload, executionId: JsonPath.executionId }),
    payloadResponseOnly: true,
    resultPath: '$.delivery',
    taskTimeout: Timeout.duration(Duration.seconds(30)),
  }).addRetry(transient);
  const attempt = new LambdaInvoke(scope, 'Attempt', {
    lambdaFunction: fns.attempt.live,
    payload: TaskInput.fromObject({
      webhookId: JsonPath.stringAt('$.delivery.webhookId'),
      endpoint: JsonPath.stringAt('$.delivery.endpoint'),
      attempts: JsonPath.numberAt('$.progress.attempts'),
    }),
    payloadResponseOnly: true,
    resultPath: '$.progress',
    taskTimeout: Timeout.duration(Duration.seconds(30)),
  }).addRetry(transient);
  const deadLetter = new LambdaInvoke(scope, 'DeadLetter', {
    lambdaFunction: fns.deadLetter.live,
    payload: TaskInput.fromObject({
      webhookId: JsonPath.stringAt('$.delivery.webhookId'),
      reason: JsonPath.stringAt('$.progress.reason'),
    }),
    payloadResponseOnly: true,
    resultPath: JsonPath.DISCARD,
    taskTimeout: Timeout.duration(Duration.seconds(30)),
  }).addRetry(transient);

  const waitBeforeRetry = new Wait(scope, 'WaitBeforeRetry', {
    time: WaitTime.secondsPath('$.progress.waitSeconds'),
  });
  const waitForBreaker = new Wait(scope, 'WaitForBreaker', {
    time: WaitTime.timestampPath('$.progress.resumeAt'),
  });
  waitBeforeRetry.next(attempt);
  waitForBreaker.next(attempt);

  const next = new Choice(scope, 'AfterAttempt')
    .when(Condition.stringEquals('$.progress.outcome', 'delivered'), new Succeed(scope, 'Delivered'))
    .when(Condition.stringEquals('$.progress.outcome', 'retry'), waitBeforeRetry)
    .when(Condition.stringEquals('$.progress.outcome', 'held'), waitForBreaker)
    .otherwise(
      deadLetter.next(
        new Fail(scope, 'DeliveryFailed', {
          error: 'CallbackFailed',
          cause: 'The callback is in the callback DLQ',
        }),
      ),
    );
  attempt.next(next);

  return prepare.next(
    new Choice(scope, 'ShouldDeliver')
      .when(Condition.booleanEquals('$.delivery.skip', true), new Succeed(scope, 'Skipped'))
      .otherwise(
        new Pass(scope, 'StartAttempts', {
          result: Result.fromObject({ attempts: 0 }),
          resultPath: '$.progress',
        }).next(attempt),
      ),
  );
}
