import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../domain/clock';
import { DynamoBatchStore } from './batch-store';
import { DynamoLeaseLock } from './lease-lock';
import { DynamoWindowStore } from './window-store';

export interface DynamoBatchingStores {
  windows: DynamoWindowStore;
  batches: DynamoBatchStore;
  locks: DynamoLeaseLock;
}

/**
 * The three adapters of the Batching table (windows, batches and plans, leases), one per port,
 * for the composition roots: `{ ...dynamoBatchingStores(client, table, clock) }` fills the
 * `windows`, `batches` and `locks` of BatchingDeps.
 */
export function dynamoBatchingStores(
  client: DynamoDBClient,
  tableName: string,
  clock: Clock,
): DynamoBatchingStores {
  return {
    windows: new DynamoWindowStore(client, tableName),
    batches: new DynamoBatchStore(client, tableName),
    locks: new DynamoLeaseLock(client, tableName, clock),
  };
}
