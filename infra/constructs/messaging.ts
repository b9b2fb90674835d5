import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type EventPattern as CdkEventPattern, EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DLQ_RETENTION_DAYS,
  dlqName,
  type QueueDefinition,
  SHIPMENT_QUEUES,
} from '../../shared/adapters/sqs/queues';
import { type EventPattern, SHIPMENT_QUEUE_RULES } from '../../shared/domain/event-rules';

/**
 * The event bus and the priority queues: one rule per priority (patterns from
 * shared/domain/event-rules.ts, the same objects the local bus evaluates) into p0/p1/p2, each
 * queue encrypted, SSL-only, with a DLQ after 5 receives.
 */
export class Messaging extends Construct {
  readonly bus: EventBus;
  readonly queues = {} as Record<QueueDefinition['tier'], Queue>;
  readonly deadLetterQueues = {} as Record<QueueDefinition['tier'], Queue>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: 'scm-route-optimizer' });
    for (const def of SHIPMENT_QUEUES) {
      const dlq = new Queue(this, dlqName(def), {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const queue = new Queue(this, def.id, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(def.retentionDays),
        deadLetterQueue: { queue: dlq, maxReceiveCount: def.maxReceiveCount },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.queues[def.tier] = queue;
      this.deadLetterQueues[def.tier] = dlq;
    }
    for (const rule of SHIPMENT_QUEUE_RULES) {
      new Rule(this, `${rule.name}Rule`, {
        eventBus: this.bus,
        eventPattern: toCdkPattern(rule.pattern),
        targets: [new SqsQueue(this.queues[rule.queue])],
      });
    }
  }
}

/** The shared patterns use EventBridge's own keys; CDK spells the top-level ones in camelCase. */
export function toCdkPattern(pattern: EventPattern): CdkEventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, ...(detailType ? { detailType } : {}) } as CdkEventPattern;
}
