import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE, SHIPMENTS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { SHIPMENT_QUEUES } from '../../shared/adapters/sqs/queues';
import { grantTable } from '../constructs/access';
import { ServiceFunction } from '../constructs/function';
import { ShipmentApi } from '../constructs/shipment-api';
import type { StatefulStack } from './stateful-stack';

export interface ServiceStackProps extends StackProps {
  stateful: StatefulStack;
}

/** The stateless part: functions, API, schedules. Only assembles constructs. */
export class ServiceStack extends Stack {
  readonly api: ShipmentApi;
  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { data, routing } = props.stateful;
    const shipments = data.table(SHIPMENTS_TABLE);
    const idempotency = data.table(IDEMPOTENCY_TABLE);
    const environment = {
      [SHIPMENTS_TABLE.envVar]: shipments.tableName,
      [IDEMPOTENCY_TABLE.envVar]: idempotency.tableName,
      EVENT_BUS_NAME: routing.bus.eventBusName,
      ...Object.fromEntries(SHIPMENT_QUEUES.map((q) => [q.envVar, routing.queues[q.tier].queueUrl])),
    };

    this.api = new ShipmentApi(this, 'ShipmentApi', {
      shipments,
      idempotency,
      bus: routing.bus,
      environment,
    });

    // Backstop of the transactional outbox: publishes events a writer could not publish itself.
    const relay = new ServiceFunction(this, 'OutboxRelay', {
      entry: 'functions/schedule/outbox-relay.ts',
      handler: 'handler',
      description: 'Publishes committed events left in the outbox',
      environment,
      timeout: Duration.seconds(60),
      reservedConcurrency: 1,
    });
    grantTable(relay, shipments, SHIPMENTS_TABLE, 'readwrite');
    routing.bus.grantPutEventsTo(relay);
    new Rule(this, 'OutboxRelaySchedule', {
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(relay, { retryAttempts: 2 })],
    });
  }
}
