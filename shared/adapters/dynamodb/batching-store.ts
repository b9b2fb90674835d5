import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  AddMemberResult,
  BatchStore,
  LeaseLock,
  WindowKey,
  WindowStore,
} from '../../domain/batching/ports';
import type { Clock } from '../../domain/clock';
import { DependencyError } from '../../domain/errors';
import {
  BatchRecord,
  BatchWindow,
  FleetBookings,
  type RegionPlan,
  RouteRecord,
  WindowMember,
} from '../../schemas/batching';
import { SplitPlanStore } from './plan-store';
import { queryAll } from './query';

const META = 'META';
const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

/**
 * Windows, batches, routes, region plans and leases in one DynamoDB table, every state change a
 * conditional write (works on dynalite: no transactions).
 */
export class DynamoBatchingStore implements WindowStore, BatchStore, LeaseLock {
  private readonly doc: DynamoDBDocumentClient;
  private readonly plans: SplitPlanStore;
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.plans = new SplitPlanStore(this.doc, tableName);
  }

  // ---- windows ----

  async addMember(
    key: WindowKey,
    member: { shipmentId: string; version: number },
    options: { now: string; closesAt: string; maxSize: number; newWindowId: () => string },
  ): Promise<AddMemberResult> {
    const pointerKey = { pk: `OPENWIN#${key.priority}#${key.region}`, sk: META };
    for (let attempt = 0; attempt < 10; attempt++) {
      const pointer = (
        await this.send(new GetCommand({ TableName: this.tableName, Key: pointerKey, ConsistentRead: true }))
      ).Item;
      let window = pointer ? await this.get(String(pointer.windowId)) : undefined;
      if (window?.status !== 'OPEN' || window.count >= options.maxSize || window.closesAt <= options.now) {
        const fresh: BatchWindow = {
          windowId: options.newWindowId(),
          priority: key.priority,
          region: key.region,
          status: 'OPEN',
          openedAt: options.now,
          closesAt: options.closesAt,
          count: 0,
        };
        await this.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: `WINDOW#${fresh.windowId}`,
              sk: META,
              window: fresh,
              status: 'OPEN',
              count: 0,
              dueKey: 'OPEN',
              dueAt: fresh.closesAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        try {
          await this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { ...pointerKey, windowId: fresh.windowId },
              ConditionExpression: pointer ? 'windowId = :old' : 'attribute_not_exists(pk)',
              ...(pointer ? { ExpressionAttributeValues: { ':old': pointer.windowId } } : {}),
            }),
          );
        } catch (error) {
          if (!isConditionFailure(error))
            throw new DependencyError('window pointer write failed', { cause: error });
          await this.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: { pk: `WINDOW#${fresh.windowId}`, sk: META },
            }),
          );
          continue; // someone else rotated the window first: use theirs
        }
        window = fresh;
      }
      const memberKey = {
        pk: `WINDOW#${window.windowId}`,
        sk: `MEMBER#${member.shipmentId}#${member.version}`,
      };
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...memberKey, member: { ...member, addedAt: options.now } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) return { window, added: false, full: false };
        throw new DependencyError('window member write failed', { cause: error });
      }
      try {
        const updated = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: `WINDOW#${window.windowId}`, sk: META },
            UpdateExpression: 'SET #count = #count + :one, #window.#count = #count + :one',
            ConditionExpression: '#status = :open AND #count < :max',
            ExpressionAttributeNames: { '#count': 'count', '#status': 'status', '#window': 'window' },
            ExpressionAttributeValues: { ':one': 1, ':open': 'OPEN', ':max': options.maxSize },
            ReturnValues: 'ALL_NEW',
          }),
        );
        const after = BatchWindow.parse(updated.Attributes?.window);
        return { window: after, added: true, full: after.count >= options.maxSize };
      } catch (error) {
        if (!isConditionFailure(error))
          throw new DependencyError('window slot update failed', { cause: error });
        // The window filled up or started closing meanwhile: take the member back, try the next window.
        await this.send(new DeleteCommand({ TableName: this.tableName, Key: memberKey }));
      }
    }
    throw new DependencyError(
      `could not add ${member.shipmentId} to a window of ${key.region}/${key.priority}`,
    );
  }

  async get(windowId: string): Promise<BatchWindow | undefined> {
    const item = (
      await this.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: `WINDOW#${windowId}`, sk: META },
          ConsistentRead: true,
        }),
      )
    ).Item;
    return item ? BatchWindow.parse(item.window) : undefined;
  }

  async members(windowId: string): Promise<WindowMember[]> {
    return queryAll(
      this.doc,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
        ExpressionAttributeValues: { ':pk': `WINDOW#${windowId}`, ':m': 'MEMBER#' },
        ConsistentRead: true,
      },
      (item) => WindowMember.parse(item.member),
    );
  }

  async dueWindows(now: string, limit: number): Promise<BatchWindow[]> {
    return this.byDue('OPEN', now, limit);
  }

  async closingWindows(claimedBefore: string, limit: number): Promise<BatchWindow[]> {
    return this.byDue('CLOSING', claimedBefore, limit);
  }

  async claim(windowId: string, reason: 'due' | 'full', now: string): Promise<BatchWindow | undefined> {
    try {
      const updated = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `WINDOW#${windowId}`, sk: META },
          UpdateExpression:
            'SET #status = :closing, #window.#status = :closing, #window.closedAt = :now, #window.closeReason = :reason, dueKey = :closing, dueAt = :now',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status', '#window': 'window' },
          ExpressionAttributeValues: {
            ':closing': 'CLOSING',
            ':open': 'OPEN',
            ':now': now,
            ':reason': reason,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return BatchWindow.parse(updated.Attributes?.window);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw new DependencyError('window claim failed', { cause: error });
    }
  }

  async markClosed(windowId: string, _now: string): Promise<void> {
    await this.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `WINDOW#${windowId}`, sk: META },
        UpdateExpression: 'SET #status = :closed, #window.#status = :closed REMOVE dueKey, dueAt',
        ExpressionAttributeNames: { '#status': 'status', '#window': 'window' },
        ExpressionAttributeValues: { ':closed': 'CLOSED' },
      }),
    );
  }

  async recordAttempt(windowId: string, busyUntil: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `WINDOW#${windowId}`, sk: META },
          UpdateExpression:
            'SET #window.attempts = if_not_exists(#window.attempts, :zero) + :one, dueAt = :until',
          ConditionExpression: '#status = :closing',
          ExpressionAttributeNames: { '#status': 'status', '#window': 'window' },
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':until': busyUntil, ':closing': 'CLOSING' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error))
        throw new DependencyError('window attempt write failed', { cause: error });
    }
  }

  async recordError(windowId: string, message: string): Promise<void> {
    await this.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `WINDOW#${windowId}`, sk: META },
        UpdateExpression: 'SET #window.lastError = :message',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#window': 'window' },
        ExpressionAttributeValues: { ':message': message.slice(0, 500) },
      }),
    ).catch(() => undefined);
  }

  async recordResend(windowId: string, resends: number, busyUntil: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `WINDOW#${windowId}`, sk: META },
          UpdateExpression: 'SET #window.resends = :resends, dueAt = :until',
          ConditionExpression:
            resends === 1
              ? '#status = :closing AND attribute_not_exists(#window.resends)'
              : '#status = :closing AND #window.resends = :previous',
          ExpressionAttributeNames: { '#status': 'status', '#window': 'window' },
          ExpressionAttributeValues: {
            ':resends': resends,
            ':until': busyUntil,
            ':closing': 'CLOSING',
            ...(resends === 1 ? {} : { ':previous': resends - 1 }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new DependencyError('window resend write failed', { cause: error });
    }
  }

  async markFailed(windowId: string, reason: string, now: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `WINDOW#${windowId}`, sk: META },
          UpdateExpression:
            'SET #status = :failed, #window.#status = :failed, #window.failedAt = :now, #window.failureReason = :reason REMOVE dueKey, dueAt',
          ConditionExpression: '#status = :closing',
          ExpressionAttributeNames: { '#status': 'status', '#window': 'window' },
          ExpressionAttributeValues: {
            ':failed': 'FAILED',
            ':closing': 'CLOSING',
            ':now': now,
            ':reason': reason,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new DependencyError('window failure write failed', { cause: error });
    }
  }

  private async byDue(status: 'OPEN' | 'CLOSING', before: string, limit: number): Promise<BatchWindow[]> {
    const result = await this.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'due',
        KeyConditionExpression: 'dueKey = :k AND dueAt <= :t',
        ExpressionAttributeValues: { ':k': status, ':t': before },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((i: Record<string, unknown>) => BatchWindow.parse(i.window));
  }

  // ---- batches, routes, plans ----

  async putBatch(record: BatchRecord): Promise<void> {
    await this.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `BATCH#${record.batchId}`,
          sk: META,
          batch: record,
          regionKey: `BATCHES#${record.region}`,
          createdAt: record.finishedAt,
        },
      }),
    );
  }

  async getBatch(batchId: string): Promise<BatchRecord | undefined> {
    const item = (
      await this.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: `BATCH#${batchId}`, sk: META } }),
      )
    ).Item;
    return item ? BatchRecord.parse(item.batch) : undefined;
  }

  async listBatches(region: string, options: { limit?: number } = {}): Promise<BatchRecord[]> {
    return queryAll(
      this.doc,
      {
        TableName: this.tableName,
        IndexName: 'batchesByRegion',
        KeyConditionExpression: 'regionKey = :r',
        ExpressionAttributeValues: { ':r': `BATCHES#${region}` },
      },
      (item) => BatchRecord.parse(item.batch),
      options.limit,
    );
  }

  async putRoutes(routes: RouteRecord[]): Promise<void> {
    for (const route of routes) {
      await this.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `ROUTE#${route.routeId}`, sk: META, route },
        }),
      );
    }
  }

  async getRoute(routeId: string): Promise<RouteRecord | undefined> {
    const item = (
      await this.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: `ROUTE#${routeId}`, sk: META } }),
      )
    ).Item;
    return item ? RouteRecord.parse(item.route) : undefined;
  }

  /** The plan of a region and service date, stored split: a header and one item per route. */
  getRegionPlan(region: string, serviceDate: string): Promise<RegionPlan | undefined> {
    return this.plans.read(dayKey('PLAN', region, serviceDate));
  }

  async putRegionPlan(plan: RegionPlan): Promise<boolean> {
    if (!(await this.plans.write(dayKey('PLAN', plan.region, plan.serviceDate), plan))) return false;
    // The regions with a plan on each date (the dispatch cutoff finds them here): a set, so adding
    // again at every revision is harmless and repairs a write that died before it.
    if (plan.serviceDate)
      await this.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `PLANS#${plan.serviceDate}`, sk: META },
          UpdateExpression: 'ADD regions :r',
          ExpressionAttributeValues: { ':r': new Set([plan.region]) },
        }),
      );
    return true;
  }

  async planRegions(serviceDate: string): Promise<string[]> {
    const item = (
      await this.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: `PLANS#${serviceDate}`, sk: META },
          ConsistentRead: true,
        }),
      )
    ).Item;
    return [...((item?.regions as Set<string> | undefined) ?? [])].sort();
  }

  // ---- vehicle bookings ----

  async getBookings(region: string, serviceDate: string): Promise<FleetBookings> {
    const doc = await this.readDocument(dayKey('BOOKINGS', region, serviceDate));
    return doc === undefined ? { region, serviceDate, revision: 0, vehicles: {} } : FleetBookings.parse(doc);
  }

  putBookings(bookings: FleetBookings): Promise<boolean> {
    return this.writeRevision(
      dayKey('BOOKINGS', bookings.region, bookings.serviceDate),
      bookings.revision,
      bookings,
      'vehicle bookings',
    );
  }

  // ---- documents read and written whole, under an optimistic revision ----

  private async readDocument(pk: string): Promise<unknown> {
    const item = (
      await this.send(
        new GetCommand({ TableName: this.tableName, Key: { pk, sk: META }, ConsistentRead: true }),
      )
    ).Item;
    // Region plans written before 0.1.0's bookings kept the document in `plan`.
    return item ? JSON.parse(String(item.document ?? item.plan)) : undefined;
  }

  /** Writes the document if the stored revision is still `revision - 1` (absent for 1); false otherwise. */
  private async writeRevision(
    pk: string,
    revision: number,
    document: unknown,
    what: string,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          // A JSON string: plans are large nested documents, always read and written whole.
          Item: { pk, sk: META, revision, document: JSON.stringify(document) },
          ConditionExpression: revision === 1 ? 'attribute_not_exists(pk)' : 'revision = :prev',
          ...(revision === 1 ? {} : { ExpressionAttributeValues: { ':prev': revision - 1 } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new DependencyError(`${what} write failed`, { cause: error });
    }
  }

  // ---- leases ----

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `LOCK#${name}`, sk: META, owner, expiresAt: now + ttlMs },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now, ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new DependencyError('lease acquire failed', { cause: error });
    }
  }

  async release(name: string, owner: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: `LOCK#${name}`, sk: META },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw new DependencyError('lease release failed', { cause: error });
    }
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

  // biome-ignore lint/suspicious/noExplicitAny: the document client's send is overloaded per command
  private async send(command: any): Promise<any> {
    try {
      return await this.doc.send(command);
    } catch (error) {
      throw new DependencyError('DynamoDB request failed', { cause: error });
    }
  }
}

/** Plans and bookings are per region and service date (contract §3a). */
function dayKey(kind: 'PLAN' | 'BOOKINGS', region: string, serviceDate: string | undefined): string {
  return serviceDate === undefined ? `${kind}#${region}` : `${kind}#${region}#${serviceDate}`;
}
