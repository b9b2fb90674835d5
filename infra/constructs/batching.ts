import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnAlias } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BATCHING_TABLE, IDEMPOTENCY_TABLE, SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { BATCH_JOB_QUEUES, DLQ_RETENTION_DAYS, dlqName } from '../../shared/adapters/sqs/queues';
import { OPTIMIZER_SLACK_SECONDS } from '../../shared/schemas/batching';
import { grantTable } from './access';
import { ServiceFunction } from './function';

export interface BatchingProps {
  tables: { shipments: TableV2; idempotency: TableV2; batching: TableV2 };
  bus: IEventBus;
  queues: Record<'p0' | 'p1' | 'p2', IQueue>;
  environment: Record<string, string>;
  /** At most this many batch optimizations run at once, per priority (contract: 4). */
  maxConcurrentBatches: number;
  /** Batch budget, seconds (at most 60): sizes the optimizer's timeout. */
  batchBudgetSeconds: number;
}

/**
 * Windowed batching and the URGENT queue: consumers of p0/p1/p2 (partial batch responses), the
 * per-priority optimizer work queues with their concurrency limit, and the scheduler tick that
 * closes due windows (SQS event sources cannot wait 10 minutes).
 */
export class Batching extends Construct {
  readonly jobQueues: Record<'p1' | 'p2', Queue> = {} as never;
  readonly jobDeadLetterQueues: Record<'p1' | 'p2', Queue> = {} as never;
  readonly functions: Record<string, ServiceFunction> = {};

  constructor(scope: Construct, id: string, props: BatchingProps) {
    super(scope, id);
    const { shipments, idempotency, batching } = props.tables;
    const optimizerTimeout = Duration.seconds(Math.ceil(props.batchBudgetSeconds) + OPTIMIZER_SLACK_SECONDS);

    for (const def of BATCH_JOB_QUEUES) {
      const dlq = new Queue(this, dlqName(def), {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.jobDeadLetterQueues[def.tier as 'p1' | 'p2'] = dlq;
      this.jobQueues[def.tier as 'p1' | 'p2'] = new Queue(this, def.id, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        // AWS guidance: at least six times the consumer's timeout.
        visibilityTimeout: Duration.seconds(
          Math.max(def.visibilityTimeoutSeconds, optimizerTimeout.toSeconds() * 6),
        ),
        retentionPeriod: Duration.days(def.retentionDays),
        deadLetterQueue: { queue: dlq, maxReceiveCount: def.maxReceiveCount },
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    const environment = {
      ...props.environment,
      BATCH_JOBS_P1_URL: this.jobQueues.p1.queueUrl,
      BATCH_JOBS_P2_URL: this.jobQueues.p2.queueUrl,
    };
    const writer = (fn: ServiceFunction, withBus: boolean) => {
      grantTable(fn, shipments, SHIPMENTS_TABLE, 'readwrite');
      grantTable(fn, idempotency, IDEMPOTENCY_TABLE, 'readwrite');
      grantTable(fn, batching, BATCHING_TABLE, 'readwrite');
      if (withBus) props.bus.grantPutEventsTo(fn);
    };

    const windowConsumer = new ServiceFunction(this, 'WindowConsumer', {
      entry: 'functions/queue/shipments.ts',
      handler: 'windowConsumer',
      description: 'Collects STANDARD and BULK shipments into per-region windows',
      environment,
      timeout: Duration.seconds(60),
    });
    writer(windowConsumer, false);
    for (const def of Object.values(this.jobQueues)) def.grantSendMessages(windowConsumer);
    for (const tier of ['p1', 'p2'] as const) {
      windowConsumer.live.addEventSource(
        new SqsEventSource(props.queues[tier], {
          batchSize: 10,
          reportBatchItemFailures: true,
          maxBatchingWindow: Duration.seconds(1),
        }),
      );
    }

    const urgentConsumer = new ServiceFunction(this, 'UrgentConsumer', {
      entry: 'functions/queue/shipments.ts',
      handler: 'urgentConsumer',
      description: 'Optimizes URGENT shipments whose real-time budget ran out',
      environment,
      timeout: Duration.seconds(60),
      memorySize: 1769, // one full vCPU for the insertion
    });
    writer(urgentConsumer, true);
    urgentConsumer.live.addEventSource(
      new SqsEventSource(props.queues.p0, { batchSize: 5, reportBatchItemFailures: true }),
    );

    for (const def of BATCH_JOB_QUEUES) {
      const optimizer = new ServiceFunction(this, `${def.id}Optimizer`, {
        entry: 'functions/queue/batch-jobs.ts',
        handler: 'handler',
        description: `Optimizes closed ${def.priority} windows`,
        environment,
        timeout: optimizerTimeout,
        memorySize: 3538, // two vCPUs: the solver's worker thread and the event loop
      });
      writer(optimizer, true);
      optimizer.live.addEventSource(
        new SqsEventSource(this.jobQueues[def.tier as 'p1' | 'p2'], {
          batchSize: 1,
          reportBatchItemFailures: true,
          maxConcurrency: Math.max(2, props.maxConcurrentBatches),
        }),
      );
      this.functions[`${def.priority}Optimizer`] = optimizer;
    }

    const tick = new ServiceFunction(this, 'WindowTick', {
      entry: 'functions/schedule/window-tick.ts',
      handler: 'handler',
      description: 'Closes due windows every minute',
      environment,
      timeout: Duration.seconds(50),
      reservedConcurrency: 1,
    });
    writer(tick, false);
    for (const q of Object.values(this.jobQueues)) q.grantSendMessages(tick);
    // Own role for the schedule: invoke this one function (grantInvoke adds its versions, `:*`).
    const schedulerRole = new Role(this, 'WindowTickSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
    });
    new Schedule(this, 'WindowTickSchedule', {
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      target: new LambdaInvoke(tick.live, { retryAttempts: 0, role: schedulerRole }),
      description: 'Closes due batching windows',
    });
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(tick.live.node.defaultChild as CfnAlias)}>:*]`,
      reason:
        'Scheduler may invoke the live alias of the one window-tick function (lambda grantInvoke adds `:*`); nothing else.',
    });
    Object.assign(this.functions, { windowConsumer, urgentConsumer, tick });
  }
}
