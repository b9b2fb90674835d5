import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataTables } from '../constructs/data-tables';
import { EventRouting } from '../constructs/event-routing';

/**
 * What must outlive a redeploy: the tables, and the bus with its queues and dead-letter queues
 * (messages in flight). Kept apart from the service stack so that stack can be replaced freely.
 */
export class StatefulStack extends Stack {
  readonly data: DataTables;
  readonly routing: EventRouting;
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.data = new DataTables(this, 'Data');
    this.routing = new EventRouting(this, 'Routing');
  }
}
