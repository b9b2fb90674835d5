import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, type GetCommandOutput, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type BreakerState, closedBreaker } from '../../domain/callbacks/breaker';
import type { BreakerStore, CallbackStore } from '../../domain/callbacks/ports';
import { DependencyError } from '../../domain/errors';
import { type CallbackMode, CallbackRecord, type CallbackStatus } from '../../schemas/callbacks';
import { queryAll } from './query';

const callbackPk = (webhookId: string) => `CALLBACK#${webhookId}`;
const breakerPk = (endpoint: string) => `BREAKER#${endpoint}`;

const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

function documentClient(client: DynamoDBClient) {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Conditional put: true when written, false when the condition failed. */
async function conditionalPut(
  doc: DynamoDBDocumentClient,
  input: ConstructorParameters<typeof PutCommand>[0],
  what: string,
): Promise<boolean> {
  try {
    await doc.send(new PutCommand(input));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw new DependencyError(`writing ${what} failed`, { cause: error });
  }
}

/** Callback records in the callbacks table, one item per webhook-id, optimistic lock on `rev`. */
export class DynamoCallbackStore implements CallbackStore {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = documentClient(client);
  }

  async get(webhookId: string): Promise<CallbackRecord | undefined> {
    const result = await this.call(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: callbackPk(webhookId) },
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item ? CallbackRecord.parse(result.Item.callback) : undefined;
  }

  create(record: CallbackRecord): Promise<boolean> {
    return conditionalPut(
      this.doc,
      { TableName: this.tableName, Item: this.item(record), ConditionExpression: 'attribute_not_exists(pk)' },
      'the callback',
    );
  }

  replace(record: CallbackRecord, expectedRev: number): Promise<boolean> {
    return conditionalPut(
      this.doc,
      {
        TableName: this.tableName,
        Item: this.item(CallbackRecord.parse(record)),
        ConditionExpression: 'rev = :rev',
        ExpressionAttributeValues: { ':rev': expectedRev },
      },
      'the callback',
    );
  }

  async listByStatus(
    status: CallbackStatus,
    limit: number,
    filter: { updatedSince?: string; mode?: CallbackMode } = {},
  ): Promise<CallbackRecord[]> {
    return queryAll(
      this.doc,
      {
        TableName: this.tableName,
        IndexName: 'byStatus',
        KeyConditionExpression: `statusKey = :s${filter.updatedSince ? ' AND updatedAt >= :since' : ''}`,
        ...(filter.mode
          ? {
              FilterExpression: '#callback.#mode = :mode',
              ExpressionAttributeNames: { '#callback': 'callback', '#mode': 'mode' },
            }
          : {}),
        ExpressionAttributeValues: {
          ':s': `CALLBACK#${status}`,
          ...(filter.updatedSince ? { ':since': filter.updatedSince } : {}),
          ...(filter.mode ? { ':mode': filter.mode } : {}),
        },
      },
      (item) => CallbackRecord.parse(item.callback),
      limit,
    );
  }

  private item(record: CallbackRecord) {
    return {
      pk: callbackPk(record.webhookId),
      rev: record.rev,
      statusKey: `CALLBACK#${record.status}`,
      updatedAt: record.updatedAt,
      shipmentId: record.shipmentId,
      callback: record,
    };
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new DependencyError('DynamoDB request failed', { cause: error });
    }
  }
}

/** Circuit-breaker state per endpoint in the callbacks table, conditional writes on `rev`. */
export class DynamoBreakerStore implements BreakerStore {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = documentClient(client);
  }

  async get(endpoint: string): Promise<BreakerState> {
    let result: GetCommandOutput;
    try {
      result = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: breakerPk(endpoint) }, ConsistentRead: true }),
      );
    } catch (error) {
      throw new DependencyError('reading the circuit breaker failed', { cause: error });
    }
    return (result.Item?.breaker as BreakerState | undefined) ?? closedBreaker(endpoint);
  }

  save(next: BreakerState, expectedRev: number): Promise<boolean> {
    return conditionalPut(
      this.doc,
      {
        TableName: this.tableName,
        Item: { pk: breakerPk(next.endpoint), rev: next.rev, breaker: next },
        ConditionExpression: expectedRev === 0 ? 'attribute_not_exists(pk)' : 'rev = :rev',
        ...(expectedRev === 0 ? {} : { ExpressionAttributeValues: { ':rev': expectedRev } }),
      },
      'the circuit breaker',
    );
  }
}
