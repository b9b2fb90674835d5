import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchStore } from '../../domain/batching/ports';
import { BatchRecord, FleetBookings, type RegionPlan, RouteRecord } from '../../schemas/batching';
import { BatchingTableAdapter, META } from './batching-table';
import { SplitPlanStore } from './plan-store';
import { queryAll } from './query';

/** Batches, routes, region plans and vehicle bookings on the Batching table. */
export class DynamoBatchStore extends BatchingTableAdapter implements BatchStore {
  private readonly plans: SplitPlanStore;
  constructor(client: DynamoDBClient, tableName: string) {
    super(client, tableName);
    this.plans = new SplitPlanStore(this.doc, tableName);
  }

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
    return this.conditional(
      new PutCommand({
        TableName: this.tableName,
        // A JSON string: plans are large nested documents, always read and written whole.
        Item: { pk, sk: META, revision, document: JSON.stringify(document) },
        ConditionExpression: revision === 1 ? 'attribute_not_exists(pk)' : 'revision = :prev',
        ...(revision === 1 ? {} : { ExpressionAttributeValues: { ':prev': revision - 1 } }),
      }),
      `${what} write failed`,
    );
  }
}

/** Plans and bookings are per region and service date (contract §3a). */
function dayKey(kind: 'PLAN' | 'BOOKINGS', region: string, serviceDate: string | undefined): string {
  return serviceDate === undefined ? `${kind}#${region}` : `${kind}#${region}#${serviceDate}`;
}
