import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnAlias } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BATCHING_TABLE, CALLBACKS_TABLE, SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { grantTable } from './access';
import { ServiceFunction } from './function';

export interface ReconciliationProps {
  tables: { shipments: TableV2; batching: TableV2; callbacks: TableV2 };
  bus: IEventBus;
  /** The callback delivery state machine: stuck deliveries are restarted on it. */
  deliveryStateMachine: IStateMachine;
  /** Common function environment (tables, bus, queues). */
  environment: Record<string, string>;
  /** The SCM listing the daily comparison reads, signed with the webhook secret. */
  scm: { baseUrl: string; webhookSecret: ISecret };
}

/**
 * The hourly reconciliation (contract §5, README "Reconciliation"): one function invoked by
 * EventBridge Scheduler every hour with its own role; at most one run at a time (reserved
 * concurrency 1, and a lease in the Batching table).
 */
export class Reconciliation extends Construct {
  readonly function: ServiceFunction;
  readonly schedule: Schedule;
  readonly dailyFunction: ServiceFunction;
  readonly dailySchedule: Schedule;

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id);
    const fn = new ServiceFunction(this, 'HourlyReconciliation', {
      entry: 'functions/schedule/reconcile.ts',
      handler: 'handler',
      description: 'Hourly: re-queues stuck shipments, re-delivers stuck callbacks, flags STALE ones',
      environment: {
        ...props.environment,
        [CALLBACKS_TABLE.envVar]: props.tables.callbacks.tableName,
        CALLBACK_STATE_MACHINE_ARN: props.deliveryStateMachine.stateMachineArn,
      },
      timeout: Duration.minutes(10),
      reservedConcurrency: 1,
    });
    grantTable(fn, props.tables.shipments, SHIPMENTS_TABLE, 'readwrite');
    grantTable(fn, props.tables.batching, BATCHING_TABLE, 'readwrite');
    grantTable(fn, props.tables.callbacks, CALLBACKS_TABLE, 'read');
    props.bus.grantPutEventsTo(fn);
    props.deliveryStateMachine.grantStartExecution(fn);
    this.function = fn;

    const role = new Role(this, 'HourlyReconciliationSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
    });
    this.schedule = new Schedule(this, 'HourlyReconciliationSchedule', {
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      target: new LambdaInvoke(fn.live, { retryAttempts: 0, role }),
      description: 'Hourly reconciliation of stuck shipments and callbacks',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.live.node.defaultChild as CfnAlias)}>:*]`,
      reason:
        'Scheduler may invoke the live alias of the one reconciliation function (lambda grantInvoke adds `:*`); nothing else.',
    });

    // Daily: the comparison with the SCM listing (signed GET {SCM_BASE_URL}/shipments, paginated).
    const daily = new ServiceFunction(this, 'DailyReconciliation', {
      entry: 'functions/schedule/reconcile.ts',
      handler: 'dailyHandler',
      description: 'Daily: compares the SCM listing with our state; re-sends routes it lacks, flags the rest',
      environment: {
        ...props.environment,
        [CALLBACKS_TABLE.envVar]: props.tables.callbacks.tableName,
        CALLBACK_STATE_MACHINE_ARN: props.deliveryStateMachine.stateMachineArn,
        SCM_BASE_URL: props.scm.baseUrl,
        SCM_WEBHOOK_SECRET_ARN: props.scm.webhookSecret.secretArn,
      },
      timeout: Duration.minutes(15),
      reservedConcurrency: 1,
    });
    grantTable(daily, props.tables.shipments, SHIPMENTS_TABLE, 'read');
    grantTable(daily, props.tables.batching, BATCHING_TABLE, 'readwrite');
    grantTable(daily, props.tables.callbacks, CALLBACKS_TABLE, 'read');
    props.deliveryStateMachine.grantStartExecution(daily);
    props.scm.webhookSecret.grantRead(daily);
    this.dailyFunction = daily;
    const dailyRole = new Role(this, 'DailyReconciliationSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
    });
    this.dailySchedule = new Schedule(this, 'DailyReconciliationSchedule', {
      schedule: ScheduleExpression.cron({ minute: '30', hour: '3' }),
      target: new LambdaInvoke(daily.live, { retryAttempts: 0, role: dailyRole }),
      description: 'Daily comparison with the SCM listing (03:30 UTC)',
    });
    Validations.of(dailyRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(daily.live.node.defaultChild as CfnAlias)}>:*]`,
      reason:
        'Scheduler may invoke the live alias of the daily reconciliation function (lambda grantInvoke adds `:*`); nothing else.',
    });
  }
}
