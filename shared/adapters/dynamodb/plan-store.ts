import { randomUUID } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DependencyError } from '../../domain/errors';
import { ownEntry, setOwnEntry } from '../../domain/lookup';
import { RegionPlan } from '../../schemas/batching';
import type { PlannedRoute, RoutingInput, RoutingPlan, ShipmentJobInput } from '../../solver';
import { queryAll } from './query';

const META = 'META';
const ROUTE_PREFIX = 'ROUTE#';
/**
 * A document (a route with its jobs, or the header) longer than this is stored in slices, items
 * `sk`, `sk~1`, `sk~2`, ... (the first says how many): a route of 1,000 stops with 64-character ids
 * is ~540 KB, a header naming 1,000 such vehicles ~590 KB; DynamoDB's limit is 400 KB an item.
 */
export const SLICE_BYTES = 300 * 1024;

/** The document cut into pieces of at most `max` UTF-8 bytes, never inside a character. */
export function sliceDocument(document: string, max = SLICE_BYTES): string[] {
  const bytes = Buffer.from(document, 'utf8');
  if (bytes.length <= max) return [document];
  const out: string[] = [];
  let from = 0;
  while (from < bytes.length) {
    let to = Math.min(bytes.length, from + max);
    // back off continuation bytes (10xxxxxx) so a slice ends on a character boundary
    while (to < bytes.length && to > from && ((bytes[to] ?? 0) & 0xc0) === 0x80) to--;
    out.push(bytes.subarray(from, to).toString('utf8'));
    from = to;
  }
  return out;
}

const sliceKeys = (sk: string, n: number) =>
  Array.from({ length: n }, (_, k) => (k === 0 ? sk : `${sk}~${k}`));

/** A stored document read back from its items (undefined when one of them is gone). */
function assemble(
  sk: string,
  items: ReadonlyMap<string, { document: string; slices: number }>,
): string | undefined {
  const first = items.get(sk);
  if (!first) return undefined;
  let document = first.document;
  for (let k = 1; k < first.slices; k++) {
    const next = items.get(`${sk}~${k}`);
    if (!next) return undefined;
    document += next.document;
  }
  return document;
}
const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

const looseIds = (input: RoutingInput, onRoute: Set<string>) =>
  input.shipments.filter((s) => !onRoute.has(s.id)).map((s) => s.id);

/** What the header item holds: the plan without its routes, and the keys of its route items. */
interface PlanHeader {
  region: string;
  serviceDate?: string;
  revision: number;
  updatedAt: string;
  batchId: string;
  routeIds: Record<string, string>;
  depots: RoutingInput['depots'];
  vehicles: RoutingInput['vehicles'];
  planningStart: number;
  /** Jobs of the plan that are on no route. */
  loose: ShipmentJobInput[];
  unassigned: RoutingPlan['unassigned'];
  totals: Pick<RoutingPlan, 'distanceMeters' | 'durationSeconds' | 'vehiclesUsed' | 'cost'>;
  /** Route item sort keys, in plan order. */
  routes: string[];
  dispatched?: RegionPlan['dispatched'];
  /** Versions of the loose jobs (those of routes are in the route items). */
  versions?: Record<string, number>;
  createdAt?: string;
  frozenAt?: string;
}

/** One route of a plan with the jobs it serves: at most a few hundred stops, far below 400 KB. */
interface RouteChunk {
  route: PlannedRoute;
  shipments: ShipmentJobInput[];
  versions?: Record<string, number>;
}

/**
 * A plan of a region and service date stored split (issue 10: a plan of thousands of stops must
 * not near DynamoDB's 400 KB item limit): a header item (sk META) with the revision, and one item
 * per route. Route items are immutable and named uniquely by the writer; the conditional write of
 * the header (revision) is the commit, so a plan is always read whole at one revision. A route the
 * new revision did not change keeps its item; the items the new revision no longer names are
 * deleted after the commit (a reader that read the previous header then reads again).
 */
export class SplitPlanStore {
  /** The route items of the last revision read or written per plan, to keep the unchanged ones. */
  private readonly known = new Map<
    string,
    { revision: number; items: Map<string, string>; slices: Map<string, string[]>; header: string[] }
  >();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(pk: string): Promise<RegionPlan | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const item = await this.getItem(pk, META);
      if (!item) return undefined;
      const stored = await queryAll(
        this.doc,
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
          ExpressionAttributeValues: { ':pk': pk, ':r': ROUTE_PREFIX },
          ConsistentRead: true,
        },
        (i) => [String(i.sk), { document: String(i.document), slices: Number(i.slices ?? 1) }] as const,
      );
      const bySk = new Map(stored);
      const headerDocument = item.header
        ? assemble(String(item.header), bySk)
        : String(item.document ?? item.plan);
      if (headerDocument === undefined) continue; // a newer revision replaced it: read again
      const raw = JSON.parse(headerDocument) as Record<string, unknown>;
      // A plan written whole (before plans were split) carries its input and plan itself.
      if (raw.input !== undefined) return RegionPlan.parse(raw);
      const header = raw as unknown as PlanHeader;
      const documents = header.routes.map((sk) => assemble(sk, bySk));
      if (documents.some((d) => d === undefined)) continue; // a newer revision replaced them: read again
      const chunks = documents.map((d) => JSON.parse(d ?? '{}') as RouteChunk);
      const slicesOf = (sk: string) => sliceKeys(sk, bySk.get(sk)?.slices ?? 1);
      this.known.set(pk, {
        revision: header.revision,
        items: new Map(header.routes.map((sk, i) => [documents[i] ?? '', sk])),
        slices: new Map(header.routes.map((sk) => [sk, slicesOf(sk)])),
        header: item.header ? slicesOf(String(item.header)) : [],
      });
      return RegionPlan.parse({
        region: header.region,
        ...(header.serviceDate ? { serviceDate: header.serviceDate } : {}),
        revision: header.revision,
        updatedAt: header.updatedAt,
        batchId: header.batchId,
        routeIds: header.routeIds,
        ...(header.dispatched ? { dispatched: header.dispatched } : {}),
        ...(header.createdAt ? { createdAt: header.createdAt } : {}),
        ...(header.frozenAt ? { frozenAt: header.frozenAt } : {}),
        ...(header.versions || chunks.some((c) => c.versions)
          ? { versions: mergeVersions([header.versions, ...chunks.map((c) => c.versions)]) }
          : {}),
        input: {
          depots: header.depots,
          vehicles: header.vehicles,
          shipments: [...chunks.flatMap((c) => c.shipments), ...header.loose],
          planningStart: header.planningStart,
        } satisfies RoutingInput,
        plan: {
          routes: chunks.map((c) => c.route),
          unassigned: header.unassigned,
          ...header.totals,
        } satisfies RoutingPlan,
      });
    }
    throw new DependencyError(`plan ${pk} kept changing while it was read`);
  }

  /** Writes the plan if the stored revision is still `plan.revision - 1` (absent for 1); false otherwise. */
  async write(pk: string, plan: RegionPlan): Promise<boolean> {
    const input = plan.input as RoutingInput;
    const routing = plan.plan as RoutingPlan;
    const jobs = new Map(input.shipments.map((s) => [s.id, s]));
    const onRoute = new Set<string>();
    const versionOf = (ids: string[]) => {
      const out: Record<string, number> = {};
      for (const id of ids) {
        const version = plan.versions ? ownEntry(plan.versions, id) : undefined;
        if (version !== undefined) setOwnEntry(out, id, version);
      }
      return out;
    };
    const chunks: RouteChunk[] = routing.routes.map((route) => ({
      route,
      shipments: route.stops.flatMap((stop) => {
        onRoute.add(stop.shipmentId);
        const job = jobs.get(stop.shipmentId);
        return job ? [job] : [];
      }),
      ...(plan.versions ? { versions: versionOf(route.stops.map((s) => s.shipmentId)) } : {}),
    }));
    const previous = this.known.get(pk);
    const reusable = previous?.revision === plan.revision - 1 ? previous.items : new Map<string, string>();
    const nonce = randomUUID().slice(0, 8);
    const written: string[] = [];
    const items = new Map<string, string>();
    const slices = new Map<string, string[]>();
    const routeKeys: string[] = [];
    for (const [i, chunk] of chunks.entries()) {
      const document = JSON.stringify(chunk);
      let sk = reusable.get(document);
      if (sk) {
        slices.set(sk, previous?.slices.get(sk) ?? [sk]);
      } else {
        sk = `${ROUTE_PREFIX}${plan.revision}#${nonce}#${i}`;
        const keys = await this.putDocument(pk, sk, document);
        written.push(...keys);
        slices.set(sk, keys);
      }
      items.set(document, sk);
      routeKeys.push(sk);
    }
    const header: PlanHeader = {
      region: plan.region,
      ...(plan.serviceDate ? { serviceDate: plan.serviceDate } : {}),
      revision: plan.revision,
      updatedAt: plan.updatedAt,
      batchId: plan.batchId,
      routeIds: plan.routeIds,
      ...(plan.dispatched ? { dispatched: plan.dispatched } : {}),
      ...(plan.createdAt ? { createdAt: plan.createdAt } : {}),
      ...(plan.frozenAt ? { frozenAt: plan.frozenAt } : {}),
      depots: input.depots,
      vehicles: input.vehicles,
      planningStart: input.planningStart,
      loose: input.shipments.filter((s) => !onRoute.has(s.id)),
      unassigned: routing.unassigned,
      totals: {
        distanceMeters: routing.distanceMeters,
        durationSeconds: routing.durationSeconds,
        vehiclesUsed: routing.vehiclesUsed,
        cost: routing.cost,
      },
      routes: routeKeys,
      ...(plan.versions ? { versions: versionOf(looseIds(input, onRoute)) } : {}),
    };
    const headerDocument = JSON.stringify(header);
    let headerKeys: string[] = [];
    let headerItem: Record<string, unknown> = { document: headerDocument };
    if (Buffer.byteLength(headerDocument, 'utf8') > SLICE_BYTES) {
      // A header too large for one item is stored as a sliced document the META item names.
      const sk = `${ROUTE_PREFIX}${plan.revision}#${nonce}#H`;
      headerKeys = await this.putDocument(pk, sk, headerDocument);
      written.push(...headerKeys);
      headerItem = { header: sk };
    }
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk, sk: META, revision: plan.revision, ...headerItem },
          ConditionExpression: plan.revision === 1 ? 'attribute_not_exists(pk)' : 'revision = :prev',
          ...(plan.revision === 1 ? {} : { ExpressionAttributeValues: { ':prev': plan.revision - 1 } }),
        }),
      );
    } catch (error) {
      // Another writer won: its header names none of this writer's items (they are new and unique).
      await Promise.all(written.map((sk) => this.deleteItem(pk, sk)));
      if (isConditionFailure(error)) return false;
      throw new DependencyError('region plan write failed', { cause: error });
    }
    this.known.set(pk, { revision: plan.revision, items, slices, header: headerKeys });
    const kept = new Set([...[...slices.values()].flat(), ...headerKeys]);
    const stale = [
      ...[...reusable.values()].flatMap((sk) => previous?.slices.get(sk) ?? [sk]),
      ...(previous?.revision === plan.revision - 1 ? previous.header : []),
    ].filter((sk) => !kept.has(sk));
    await Promise.all(stale.map((sk) => this.deleteItem(pk, sk).catch(() => undefined)));
    if (previous?.revision !== plan.revision - 1) await this.sweep(pk, kept, plan.revision);
    return true;
  }

  /**
   * Deletes the route items of revisions up to this one that its header does not name (left by a
   * writer that did not know the previous items). Items of later revisions belong to a writer
   * that is building on this one: they are not touched.
   */
  private async sweep(pk: string, kept: Set<string>, revision: number): Promise<void> {
    const all = await queryAll(
      this.doc,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
        ExpressionAttributeValues: { ':pk': pk, ':r': ROUTE_PREFIX },
        ProjectionExpression: 'sk',
        ConsistentRead: true,
      },
      (i) => String(i.sk),
    );
    await Promise.all(
      all
        .filter((sk) => !kept.has(sk) && Number(sk.slice(ROUTE_PREFIX.length).split('#')[0]) <= revision)
        .map((sk) => this.deleteItem(pk, sk).catch(() => undefined)),
    );
  }

  private async getItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }),
      );
      return out.Item;
    } catch (error) {
      throw new DependencyError('DynamoDB request failed', { cause: error });
    }
  }

  /** Writes the document as one item, or as slices `sk`, `sk~1`, ...; returns their keys. */
  private async putDocument(pk: string, sk: string, document: string): Promise<string[]> {
    const parts = sliceDocument(document);
    const keys = sliceKeys(sk, parts.length);
    await Promise.all(
      parts.map((part, k) =>
        this.putItem({
          pk,
          sk: keys[k],
          document: part,
          ...(k === 0 && parts.length > 1 ? { slices: parts.length } : {}),
        }),
      ),
    );
    return keys;
  }

  private async putItem(item: Record<string, unknown>): Promise<void> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    } catch (error) {
      throw new DependencyError('region plan route write failed', { cause: error });
    }
  }

  private async deleteItem(pk: string, sk: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk } }));
  }
}

/** One record of the versions of every part (own entries: an id may be `__proto__`). */
function mergeVersions(parts: (Record<string, number> | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of parts)
    for (const [id, version] of Object.entries(part ?? {})) setOwnEntry(out, id, version);
  return out;
}
