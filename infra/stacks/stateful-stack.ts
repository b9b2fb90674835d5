import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataTables } from '../constructs/data-tables';
import { Messaging } from '../constructs/messaging';

/**
 * What must outlive a redeploy: the tables, and the bus with its queues and dead-letter queues
 * (messages in flight). Kept apart from the service stack so that stack can be replaced freely.
 */
export class StatefulStack extends Stack {
  readonly data: DataTables;
  readonly messaging: Messaging;
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.data = new DataTables(this, 'Data');
    // The id stays 'Routing': it is in the logical id of the bus, the queues and their DLQs (all
    // retained), and a new id would replace them with messages in flight.
    this.messaging = new Messaging(this, 'Routing');
  }
}
