import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { LeaseLock } from '../../domain/batching/ports';
import type { Clock } from '../../domain/clock';
import { BatchingTableAdapter, META } from './batching-table';

/** Leases on the Batching table (`LOCK#…`), expiring by the clock. */
export class DynamoLeaseLock extends BatchingTableAdapter implements LeaseLock {
  constructor(
    client: DynamoDBClient,
    tableName: string,
    private readonly clock: Clock,
  ) {
    super(client, tableName);
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    return this.conditional(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `LOCK#${name}`, sk: META, owner, expiresAt: now + ttlMs },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':now': now, ':owner': owner },
      }),
      'lease acquire failed',
    );
  }

  async release(name: string, owner: string): Promise<void> {
    await this.conditional(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: `LOCK#${name}`, sk: META },
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
      }),
      'lease release failed',
    );
  }

  /**
   * Drops every lease, whoever holds it: only for a process that knows no holder can still be
   * running (the local runtime at start: the previous run held them and is gone).
   */
  async releaseAllLeases(): Promise<number> {
    let released = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(pk, :lock)',
          ExpressionAttributeValues: { ':lock': 'LOCK#' },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of (page.Items ?? []) as { pk: string; sk: string }[]) {
        await this.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } }));
        released++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return released;
  }
}
