import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../../domain/clock';
import { ConcurrencyConflictError, DependencyError, ValidationError } from '../../domain/errors';
import type { ShipmentFilter, ShipmentIdFilter, ShipmentPage, ShipmentRecords } from '../../domain/ports';
import {
  AuditEvent,
  ShipmentState,
  type ShipmentStatus,
  ShipmentStatus as ShipmentStatusEnum,
} from '../../schemas/state';
import { documentClient, keysAsData } from './marshalling';
import { queryAll } from './query';

export const OUTBOX_SHARDS = 8;
const STATE_SK = 'STATE';
const eventSk = (seq: number) => `EVT#${String(seq).padStart(10, '0')}`;
const pkOf = (shipmentId: string) => `SHIPMENT#${shipmentId}`;

function shardOf(shipmentId: string): string {
  let h = 0;
  for (let i = 0; i < shipmentId.length; i++) h = (h * 31 + shipmentId.charCodeAt(i)) | 0;
  return `OUTBOX#${Math.abs(h) % OUTBOX_SHARDS}`;
}

/**
 * ShipmentRecords on one DynamoDB table, without transactions or streams (so it holds on dynalite):
 * the audit event is the commit point, written with `attribute_not_exists` at its seq (exactly
 * one concurrent writer wins); it carries its outbox message as sparse GSI attributes. The state
 * item is written after it, conditionally on being behind. It persists what the core computed
 * (transitions.ts, shipment-store.ts) and computes nothing itself.
 */
export class DynamoShipmentRecords implements ShipmentRecords {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    /** The service clock: `publishedAt` is on it, like every time the service keeps. */
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {
    this.doc = documentClient(client);
  }

  async head(shipmentId: string): Promise<{ state: ShipmentState | undefined; after: AuditEvent[] }> {
    const head = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pkOf(shipmentId) },
          ScanIndexForward: false,
          Limit: 2,
          ConsistentRead: true,
        }),
      ),
    );
    const items = head.Items ?? [];
    const stateItem = items.find((i) => i.sk === STATE_SK);
    const lastEvent = items.find((i) => typeof i.sk === 'string' && i.sk.startsWith('EVT#'));
    const state = stateItem ? ShipmentState.parse(stateItem.state) : undefined;
    if (!lastEvent || (state && state.revision >= Number(lastEvent.seq))) return { state, after: [] };
    // The state item is behind the trail (a writer died between the two writes).
    return { state, after: await this.eventsAfter(shipmentId, state?.revision ?? 0) };
  }

  async write(event: AuditEvent, state: ShipmentState): Promise<void> {
    const { shipmentId, seq } = event;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: pkOf(shipmentId),
            sk: eventSk(seq),
            seq,
            // The body's metadata is SCM data: its keys (`constructor`, `toString`) stay plain data.
            event: keysAsData(event),
            ...(event.outbox
              ? { outboxShard: shardOf(shipmentId), outboxKey: `${event.occurredAt}#${shipmentId}#${seq}` }
              : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      ) {
        throw new ConcurrencyConflictError(
          `another writer committed revision ${seq} of ${shipmentId} first`,
          {
            cause: error,
          },
        );
      }
      throw new DependencyError('writing the audit event failed', { cause: error });
    }
    await this.saveProjection(state);
  }

  async events(shipmentId: string): Promise<AuditEvent[]> {
    return this.eventsAfter(shipmentId, 0);
  }

  async pendingOutbox(limit: number, options: { occurredBefore?: string } = {}): Promise<AuditEvent[]> {
    const perShard = await Promise.all(
      Array.from({ length: OUTBOX_SHARDS }, (_, i) =>
        this.call(() =>
          this.doc.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: 'outbox',
              KeyConditionExpression: options.occurredBefore
                ? 'outboxShard = :s AND outboxKey < :before'
                : 'outboxShard = :s',
              ExpressionAttributeValues: {
                ':s': `OUTBOX#${i}`,
                // Keys are `${occurredAt}#${shipmentId}#${seq}`: '~' sorts after every id character.
                ...(options.occurredBefore ? { ':before': `${options.occurredBefore}~` } : {}),
              },
              Limit: limit,
            }),
          ),
        ),
      ),
    );
    return perShard
      .flatMap((r) => r.Items ?? [])
      .map((item) => AuditEvent.parse(item.event))
      .sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0))
      .slice(0, limit);
  }

  async markPublished(shipmentId: string, seq: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: pkOf(shipmentId), sk: eventSk(seq) },
          UpdateExpression: 'REMOVE outboxShard, outboxKey SET publishedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': new Date(this.clock.now()).toISOString() },
        }),
      );
    } catch (error) {
      throw new DependencyError('marking the outbox entry published failed', { cause: error });
    }
  }

  async readProjection(shipmentId: string): Promise<ShipmentState | undefined> {
    const item = (
      await this.call(() =>
        this.doc.send(
          new GetCommand({
            TableName: this.tableName,
            Key: { pk: pkOf(shipmentId), sk: STATE_SK },
            ConsistentRead: true,
          }),
        ),
      )
    ).Item;
    return item ? ShipmentState.parse(item.state) : undefined;
  }

  /**
   * Ids of the shipments whose last change is in [updatedSince, updatedUntil] (either end open),
   * optionally of one region: operations tooling (replay). Index queries only, never a Scan: the
   * `byRegion` index for a region, else the `byStatus` index once per status. A shipment whose
   * projection was never written (a crash before the first one) is found by its unpublished first
   * event on the `outbox` index (the relay projects before it publishes).
   */
  async listShipmentIds(filter: ShipmentIdFilter = {}): Promise<string[]> {
    const names: Record<string, string> = { '#k': filter.region ? 'regionKey' : 'statusKey' };
    const values: Record<string, unknown> = {};
    const range = timeRange(filter, '#u', values);
    if (range) names['#u'] = 'updatedAt';
    const query = (indexName: string, key: string) =>
      queryAll(
        this.doc,
        {
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: `#k = :k${range ? ` AND ${range}` : ''}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':k': key },
          ProjectionExpression: 'pk',
        },
        (item) => String(item.pk).slice('SHIPMENT#'.length),
      );
    const lists = filter.region
      ? [await query('byRegion', filter.region)]
      : await Promise.all(ShipmentStatusEnum.options.map((status) => query('byStatus', status)));
    const ids = new Set(lists.flat());
    for (const event of await this.unprojectedFirstEvents(filter)) ids.add(event.shipmentId);
    return [...ids].sort();
  }

  /** First events still in the outbox, in the time range, whose shipment has no projection. */
  private async unprojectedFirstEvents(filter: ShipmentIdFilter): Promise<AuditEvent[]> {
    const values: Record<string, unknown> = {};
    // outboxKey is `${occurredAt}#${shipmentId}#${seq}`: '~' sorts after every id character.
    const range = timeRange(
      { ...filter, ...(filter.updatedUntil ? { updatedUntil: `${filter.updatedUntil}~` } : {}) },
      'outboxKey',
      values,
    );
    const perShard = await Promise.all(
      Array.from({ length: OUTBOX_SHARDS }, (_, i) =>
        queryAll(
          this.doc,
          {
            TableName: this.tableName,
            IndexName: 'outbox',
            KeyConditionExpression: `outboxShard = :s${range ? ` AND ${range}` : ''}`,
            ExpressionAttributeValues: { ...values, ':s': `OUTBOX#${i}` },
          },
          (item) => AuditEvent.parse(item.event),
        ),
      ),
    );
    const out: AuditEvent[] = [];
    for (const event of perShard.flat()) {
      if (event.seq !== 1) continue;
      if (filter.region && event.patch.region !== filter.region) continue;
      if (!(await this.readProjection(event.shipmentId))) out.push(event);
    }
    return out;
  }

  async listByStatus(
    status: ShipmentStatus,
    options: { updatedBefore?: string; limit?: number } = {},
  ): Promise<ShipmentState[]> {
    return queryAll(
      this.doc,
      {
        TableName: this.tableName,
        IndexName: 'byStatus',
        KeyConditionExpression: options.updatedBefore
          ? 'statusKey = :s AND updatedAt < :before'
          : 'statusKey = :s',
        ExpressionAttributeValues: {
          ':s': status,
          ...(options.updatedBefore ? { ':before': options.updatedBefore } : {}),
        },
      },
      (item) => ShipmentState.parse(item.state),
      options.limit ?? 1000,
    );
  }

  async listShipments(
    filter: ShipmentFilter,
    page: { limit: number; cursor?: string },
  ): Promise<ShipmentPage> {
    const index = filter.status
      ? { name: 'byStatus', key: 'statusKey', value: filter.status }
      : filter.region
        ? { name: 'byRegion', key: 'regionKey', value: filter.region }
        : undefined;
    if (!index)
      throw new ValidationError('status or region is required', [{ field: 'status', message: 'required' }]);
    const names: Record<string, string> = { '#k': index.key };
    const values: Record<string, unknown> = { ':k': index.value };
    let keyCondition = '#k = :k';
    if (filter.updatedSince) {
      keyCondition += ' AND #u >= :since';
      names['#u'] = 'updatedAt';
      values[':since'] = filter.updatedSince;
    }
    const filters: string[] = [];
    if (filter.region && index.key !== 'regionKey') {
      filters.push('regionKey = :region');
      values[':region'] = filter.region;
    }
    if (filter.serviceDate) {
      filters.push('#state.#serviceDate = :serviceDate');
      names['#state'] = 'state';
      names['#serviceDate'] = 'serviceDate';
      values[':serviceDate'] = filter.serviceDate;
    }
    let startKey = decodeCursor(page.cursor, index.key, index.value);
    const items: ShipmentState[] = [];
    // A filtered page may need several reads; bounded, the cursor carries on where it stopped.
    for (let reads = 0; reads < 20 && items.length < page.limit; reads++) {
      const res = await this.call(() =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: index.name,
            KeyConditionExpression: keyCondition,
            ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ExclusiveStartKey: startKey,
            Limit: page.limit - items.length,
          }),
        ),
      );
      for (const item of res.Items ?? []) items.push(ShipmentState.parse(item.state));
      startKey = res.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { items, ...(startKey ? { nextCursor: encodeCursor(startKey) } : {}) };
  }

  /** Writes the state item unless a newer one is already there. */
  async saveProjection(state: ShipmentState): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: pkOf(state.shipmentId),
            sk: STATE_SK,
            revision: state.revision,
            statusKey: state.status,
            regionKey: state.region,
            updatedAt: state.updatedAt,
            state: keysAsData(state),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR revision < :rev',
          ExpressionAttributeValues: { ':rev': state.revision },
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return; // someone projected a newer one
      throw new DependencyError('writing the state projection failed', { cause: error });
    }
  }

  private async eventsAfter(shipmentId: string, revision: number): Promise<AuditEvent[]> {
    return queryAll(
      this.doc,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': pkOf(shipmentId),
          ':from': eventSk(revision + 1),
          ':to': 'EVT#9',
        },
        ConsistentRead: true,
      },
      (item) => AuditEvent.parse(item.event),
    );
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new DependencyError('DynamoDB request failed', { cause: error });
    }
  }
}

/** The sort-key condition of a time range (both ends inclusive), or undefined when it is open. */
function timeRange(
  filter: { updatedSince?: string; updatedUntil?: string },
  attribute: string,
  values: Record<string, unknown>,
): string | undefined {
  const { updatedSince: since, updatedUntil: until } = filter;
  if (since !== undefined) values[':since'] = since;
  if (until !== undefined) values[':until'] = until;
  if (since !== undefined && until !== undefined) return `${attribute} BETWEEN :since AND :until`;
  if (since !== undefined) return `${attribute} >= :since`;
  if (until !== undefined) return `${attribute} <= :until`;
  return undefined;
}

/** A page's continuation: the index's LastEvaluatedKey, base64url JSON (opaque to clients). */
function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The cursor back to a start key, only if it is one of this very query (same index and key). */
function decodeCursor(cursor: string | undefined, keyName: string, keyValue: string) {
  if (cursor === undefined) return undefined;
  const invalid = () =>
    new ValidationError('the cursor is invalid', [
      { field: 'cursor', message: 'not a cursor of this listing: start again without one' },
    ]);
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!key || typeof key !== 'object' || Array.isArray(key)) throw invalid();
  const k = key as Record<string, unknown>;
  const fields = ['pk', 'sk', keyName, 'updatedAt'];
  if (Object.keys(k).length !== fields.length || !fields.every((f) => typeof k[f] === 'string'))
    throw invalid();
  if (k[keyName] !== keyValue || k.sk !== STATE_SK || !String(k.pk).startsWith('SHIPMENT#')) throw invalid();
  return k;
}
