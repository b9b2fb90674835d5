import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

export interface DeliveryAlarms {
  deadLetters: Alarm;
  circuitOpen: Alarm;
  executionsFailed: Alarm;
}

/**
 * The alarms of callback delivery: a callback in the DLQ, the circuit breaker opening (a Powertools
 * metric of the attempt task, in `namespace`) and a failed execution.
 */
export function deliveryAlarms(
  scope: Construct,
  props: { deadLetterQueue: Queue; stateMachine: StateMachine; namespace: string },
): DeliveryAlarms {
  return {
    deadLetters: new Alarm(scope, 'CallbackDlqAlarm', {
      alarmDescription:
        'A callback is in the callback DLQ: the SCM did not take it (redrive with dlq:redrive).',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
    circuitOpen: new Alarm(scope, 'CircuitOpenAlarm', {
      alarmDescription: 'The circuit breaker of the SCM callback endpoint opened: the SCM is failing.',
      metric: new Metric({
        namespace: props.namespace,
        metricName: 'CircuitOpened',
        dimensionsMap: { service: 'scm-route-optimizer' },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
    executionsFailed: new Alarm(scope, 'DeliveryFailedAlarm', {
      alarmDescription: 'A callback delivery execution failed (dead-lettered or a task error).',
      metric: props.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
  };
}
