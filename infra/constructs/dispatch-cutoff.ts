import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnAlias } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { BATCHING_TABLE, SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { DISPATCH_CUTOFF_EVERY_MINUTES } from '../../shared/domain/batching/cutoff';
import { grantTable } from './access';
import { ServiceFunction } from './function';

export interface DispatchCutoffProps {
  tables: { shipments: TableV2; batching: TableV2 };
  bus: IEventBus;
  /** Common function environment (tables, bus, queues). */
  environment: Record<string, string>;
}

/**
 * The dispatch cutoff (contract §3a): one function, invoked by EventBridge Scheduler every few
 * minutes with its own invoke-only role, freezes the plans whose cutoff passed and sends their final
 * callbacks (route.updated events through the outbox). One run at a time (reserved concurrency 1);
 * a duplicate invocation sends nothing twice (conditional writes on plans and shipments).
 */
export class DispatchCutoff extends Construct {
  readonly function: ServiceFunction;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: DispatchCutoffProps) {
    super(scope, id);
    const fn = new ServiceFunction(this, 'DispatchCutoff', {
      entry: 'functions/schedule/dispatch-cutoff.ts',
      handler: 'handler',
      description: 'Freezes region-day plans at their dispatch cutoff and sends the final callbacks',
      environment: props.environment,
      timeout: Duration.minutes(4),
      reservedConcurrency: 1,
    });
    grantTable(fn, props.tables.shipments, SHIPMENTS_TABLE, 'readwrite');
    grantTable(fn, props.tables.batching, BATCHING_TABLE, 'readwrite');
    props.bus.grantPutEventsTo(fn);
    this.function = fn;

    const role = new Role(this, 'DispatchCutoffSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
    });
    this.schedule = new Schedule(this, 'DispatchCutoffSchedule', {
      schedule: ScheduleExpression.rate(Duration.minutes(DISPATCH_CUTOFF_EVERY_MINUTES)),
      target: new LambdaInvoke(fn.live, { retryAttempts: 0, role }),
      description: 'Freezes plans at their dispatch cutoff (contract §3a)',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.live.node.defaultChild as CfnAlias)}>:*]`,
      reason:
        'Scheduler may invoke the live alias of the one dispatch-cutoff function (lambda grantInvoke adds `:*`); nothing else.',
    });
  }
}
