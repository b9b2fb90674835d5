import { mkdirSync } from 'node:fs';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { TableDefinition } from '../../shared/adapters/dynamodb/tables';
import { enforceDynamoDbLimits } from './dynamodb-limits';
import { listenOnLoopback } from './loopback';

/**
 * Embedded DynamoDB (dynalite) on loopback. With `path`, data lives in LevelDB on disk and survives
 * restarts; without, in memory. It refuses the attribute values AWS refuses (dynamodb-limits.ts).
 */
export async function startDynamo(options: { path?: string; port?: number } = {}) {
  if (options.path) mkdirSync(options.path, { recursive: true, mode: 0o700 });
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  return listenOnLoopback(enforceDynamoDbLimits(server), options.port);
}

export function createTableInput(def: TableDefinition, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>();
  const keys = [def.partitionKey, def.sortKey, ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  for (const k of keys) if (k) attributes.set(k.name, k.type);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    ...(def.indexes.length
      ? {
          GlobalSecondaryIndexes: def.indexes.map((i) => ({
            IndexName: i.name,
            KeySchema: [
              { AttributeName: i.partitionKey.name, KeyType: 'HASH' as const },
              ...(i.sortKey ? [{ AttributeName: i.sortKey.name, KeyType: 'RANGE' as const }] : []),
            ],
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}

/** Creates each table that does not exist yet and waits until it is ACTIVE. */
export async function ensureTables(
  client: DynamoDBClient,
  tables: readonly { def: TableDefinition; name: string }[],
) {
  for (const { def, name } of tables) {
    try {
      await client.send(new DescribeTableCommand({ TableName: name }));
      continue;
    } catch (error) {
      if (
        !(error instanceof ResourceNotFoundException) &&
        (error as Error).name !== 'ResourceNotFoundException'
      )
        throw error;
    }
    await client.send(new CreateTableCommand(createTableInput(def, name)));
    for (let i = 0; i < 100; i++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
