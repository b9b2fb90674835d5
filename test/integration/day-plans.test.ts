import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { queryAll } from '../../shared/adapters/dynamodb/query';
import { BATCHING_TABLE } from '../../shared/adapters/dynamodb/tables';
import { acceptShipment } from '../../shared/domain/batching/accept-shipment';
import { optimizeWindow } from '../../shared/domain/batching/optimize-window';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { detailOf as announce } from '../../shared/domain/use-cases/recovery';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import { type BatchRecord, FleetConfig, type RegionPlan } from '../../shared/schemas/batching';
import { SHIPMENT_UNASSIGNED } from '../../shared/schemas/events';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { ShipmentState } from '../../shared/schemas/state';
import type { RoutingPlan } from '../../shared/solver';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps, realEngine } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

/** Thursday 26 November 2026, 14:00 in Stockholm; the shipments are delivered tomorrow. */
const TODAY_1400 = Date.parse('2026-11-26T13:00:00Z');
const TOMORROW = '2026-11-27';
const DEPOTS = [
  { id: 'STO-N', lat: 59.37, lon: 18.0 },
  { id: 'STO-S', lat: 59.28, lon: 18.08 },
];

const stockholm = (region: string) =>
  FleetConfig.parse({
    calendar: { timeZone: 'Europe/Stockholm' },
    regions: {
      [region]: {
        depots: DEPOTS,
        vehicles: DEPOTS.flatMap((d) =>
          [1, 2, 3].map((i) => ({
            id: `${d.id}-T${i}`,
            depotId: d.id,
            capacityWeightKg: 800,
            shiftStart: '07:00',
            shiftEnd: '17:00',
          })),
        ),
      },
    },
  });

/** One depot's vans (07:00–17:00 local) as a region's whole fleet. */
const vansAt = (region: string, depot: (typeof DEPOTS)[number], n: number, capacityWeightKg: number) =>
  FleetConfig.parse({
    calendar: { timeZone: 'Europe/Stockholm' },
    regions: {
      [region]: {
        depots: [depot],
        vehicles: Array.from({ length: n }, (_, i) => ({
          id: `${region}-V${i + 1}`,
          depotId: depot.id,
          capacityWeightKg,
          shiftStart: '07:00',
          shiftEnd: '17:00',
        })),
      },
    },
  });

const detailOf = (s: ShipmentState) => announce(s, `evt-${s.shipmentId}-${s.revision}`, s.updatedAt);

let seq = 0;
/** A NEXT_DAY shipment from one of the two depots with a window tomorrow (local 08-12 or 12-16). */
function shipment(region: string, overrides: Partial<ShipmentBody> = {}): ShipmentBody {
  seq++;
  const depot = DEPOTS[seq % 2] as (typeof DEPOTS)[number];
  const morning = seq % 3 !== 0;
  return sampleShipment({
    shipmentId: `DP-${region}-${seq}`,
    region,
    serviceLevel: 'NEXT_DAY',
    origin: { depotId: depot.id, lat: depot.lat, lon: depot.lon },
    destination: { lat: 59.25 + ((seq * 7) % 19) * 0.01, lon: 17.9 + ((seq * 11) % 23) * 0.01 },
    timeWindow: morning
      ? { start: '2026-11-27T07:00:00Z', end: '2026-11-27T11:00:00Z' }
      : { start: '2026-11-27T11:00:00Z', end: '2026-11-27T15:00:00Z' },
    weightKg: 20 + (seq % 5) * 10,
    ...overrides,
  });
}

type Harness = ReturnType<typeof batchingDeps>;

async function harness(region: string): Promise<Harness> {
  const h = batchingDeps(dynamo.client, { fleet: stockholm(region) });
  h.deps.settings = { ...h.deps.settings, batchBudgetMs: 400 };
  await h.clock.advance(TODAY_1400 - h.clock.now());
  return h;
}

async function closeWindowOf(h: Harness, region: string, bodies: ShipmentBody[]) {
  for (const body of bodies) {
    const { state } = await submitShipment({ body, correlationId: 'c', mode: 'create' }, h.deps);
    await enqueueShipment(detailOf(state), h.deps);
  }
  await h.clock.advance(600_000);
  await closeDueWindows(h.deps);
  const job = h.jobs.jobs.filter((j) => j.region === region).at(-1);
  if (!job) throw new Error('no job');
  return job;
}

async function planWindow(h: Harness, region: string, bodies: ShipmentBody[]): Promise<BatchRecord> {
  const outcome = await optimizeWindow(await closeWindowOf(h, region, bodies), h.deps);
  if (outcome.kind !== 'optimized') throw new Error(`not optimized: ${outcome.reason}`);
  return outcome.batch;
}

const stopsOf = (plan: RegionPlan | undefined) =>
  (plan?.plan as RoutingPlan | undefined)?.routes.flatMap((r) => r.stops.map((s) => s.shipmentId)) ?? [];

/** No vehicle of a plan (with its dispatched routes) is on two routes at once. */
function expectNoOverlap(plan: RegionPlan | undefined) {
  const spans = new Map<string, [number, number][]>();
  for (const d of plan?.dispatched ?? [])
    spans.set(d.vehicleId, [...(spans.get(d.vehicleId) ?? []), [d.start, d.end]]);
  for (const r of (plan?.plan as RoutingPlan | undefined)?.routes ?? [])
    spans.set(r.vehicleId, [...(spans.get(r.vehicleId) ?? []), [r.start, r.end]]);
  for (const [vehicle, list] of spans) {
    list.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < list.length; i++)
      expect(list[i]?.[0], `${vehicle} route ${i}`).toBeGreaterThanOrEqual(list[i - 1]?.[1] ?? 0);
  }
}

describe('one living plan per region and service date (contract §3a)', () => {
  it('two windows for the same day end in one plan, no costlier than the first plan with the second window inserted', async () => {
    const region = 'dp-two';
    const h = await harness(region);
    const first = await planWindow(
      h,
      region,
      Array.from({ length: 30 }, () => shipment(region)),
    );
    const afterFirst = await h.deps.batches.getRegionPlan(region, TOMORROW);
    expect(afterFirst?.revision).toBe(1);
    expect(first.plans).toEqual([expect.objectContaining({ serviceDate: TOMORROW, revision: 1, stops: 30 })]);

    // The same warm start with no search: the first plan with the second window inserted.
    let insertionOnly: RoutingPlan | undefined;
    h.deps.engine = {
      ...realEngine,
      planRoutes: async (input, options) => {
        insertionOnly = await realEngine.planRoutes(input, { ...options, maxIterations: 0 });
        return realEngine.planRoutes(input, options);
      },
    };
    const second = await planWindow(
      h,
      region,
      Array.from({ length: 30 }, () => shipment(region)),
    );
    const plan = await h.deps.batches.getRegionPlan(region, TOMORROW);
    expect(plan?.revision).toBe(2);
    expect(stopsOf(plan).sort()).toEqual([...first.shipmentIds, ...second.shipmentIds].sort());
    const replanned = plan?.plan as RoutingPlan;
    expect(insertionOnly?.unassigned).toEqual([]);
    expect(replanned.cost).toBeLessThanOrEqual((insertionOnly?.cost ?? 0) + 1e-6);
    // A vehicle that still has a route keeps its route id; a first-window shipment the re-plan moved
    // to another vehicle was told (shipment.route_updated, revision 2), the others were not.
    const firstPlan = afterFirst?.plan as RoutingPlan;
    const vehicleBefore = new Map(
      firstPlan.routes.flatMap((r) => r.stops.map((s) => [s.shipmentId, r.vehicleId] as const)),
    );
    for (const route of replanned.routes)
      if (afterFirst?.routeIds[route.vehicleId])
        expect(plan?.routeIds[route.vehicleId]).toBe(afterFirst?.routeIds[route.vehicleId]);
    const told = new Set(
      h.publisher.published.filter((m) => m.detailType === 'route.updated').map((m) => m.detail.shipmentId),
    );
    // Every shipment's stored assignment (what the SCM has) is its vehicle and route in the plan.
    for (const route of replanned.routes) {
      for (const stop of route.stops) {
        const state = await h.deps.store.get(stop.shipmentId);
        expect(state?.status).toBe('OPTIMIZED');
        expect(state?.route?.vehicleId).toBe(route.vehicleId);
        expect(state?.route?.routeId).toBe(plan?.routeIds[route.vehicleId]);
        const record = await h.deps.batches.getRoute(state?.route?.routeId ?? '');
        expect(record?.stops.map((s) => s.shipmentId)).toContain(stop.shipmentId);
        const wasMoved =
          vehicleBefore.has(stop.shipmentId) && vehicleBefore.get(stop.shipmentId) !== route.vehicleId;
        if (wasMoved) expect(told.has(stop.shipmentId), stop.shipmentId).toBe(true);
        if (second.shipmentIds.includes(stop.shipmentId)) expect(told.has(stop.shipmentId)).toBe(false);
      }
    }
    expectNoOverlap(plan);
  });

  it('a full day keeps the shipments it has planned (first come, first served): the new ones that do not fit are left unassigned, not traded in', async () => {
    const region = 'dp-full';
    const depot = DEPOTS[0] as (typeof DEPOTS)[number];
    const h = await harness(region);
    h.deps.fleet = vansAt(region, depot, 1, 800);
    const at = (lat: number, lon: number, id: string) =>
      shipment(region, {
        shipmentId: id,
        origin: { depotId: depot.id, lat: depot.lat, lon: depot.lon },
        destination: { lat, lon },
        timeWindow: { start: '2026-11-27T07:00:00Z', end: '2026-11-27T15:00:00Z' },
        weightKg: 200,
      });
    // Four far stops fill the van; then four stops next to the depot, which would be cheaper to drive.
    const far = [0, 1, 2, 3].map((i) => at(59.6 + i * 0.01, 18.4, `DP-far-${i}`));
    await planWindow(h, region, far);
    const near = [0, 1, 2, 3].map((i) => at(59.371 + i * 0.001, 18.001, `DP-near-${i}`));
    await planWindow(h, region, near);
    const plan = await h.deps.batches.getRegionPlan(region, TOMORROW);
    expect(stopsOf(plan).sort()).toEqual(far.map((b) => b.shipmentId).sort());
    for (const b of far) expect((await h.deps.store.get(b.shipmentId))?.status).toBe('OPTIMIZED');
    for (const b of near) expect((await h.deps.store.get(b.shipmentId))?.status).toBe('QUEUED');
  });

  it('a planned shipment the plan can no longer hold (a vehicle taken out of FLEET_CONFIG) is withdrawn: STALE with the reason, and the SCM is told', async () => {
    const region = 'dp-shrunk';
    const depot = DEPOTS[0] as (typeof DEPOTS)[number];
    const h = await harness(region);
    h.deps.fleet = vansAt(region, depot, 2, 400);
    const bodies = [0, 1, 2, 3].map((i) =>
      shipment(region, {
        shipmentId: `DP-shrunk-${i}`,
        origin: { depotId: depot.id, lat: depot.lat, lon: depot.lon },
        timeWindow: { start: '2026-11-27T07:00:00Z', end: '2026-11-27T15:00:00Z' },
        weightKg: 200,
      }),
    );
    await planWindow(h, region, bodies);
    const before = await h.deps.batches.getRegionPlan(region, TOMORROW);
    expect(stopsOf(before).sort()).toEqual(bodies.map((b) => b.shipmentId).sort());
    // One van is taken out of service: the next window re-plans the day with the other alone.
    h.deps.fleet = vansAt(region, depot, 1, 400);
    const late = shipment(region, {
      shipmentId: 'DP-shrunk-late',
      origin: { depotId: depot.id, lat: depot.lat, lon: depot.lon },
      weightKg: 10,
    });
    await planWindow(h, region, [late]);
    const after = await h.deps.batches.getRegionPlan(region, TOMORROW);
    const kept = new Set(stopsOf(after));
    const withdrawn = bodies.filter((b) => !kept.has(b.shipmentId));
    expect(withdrawn.length).toBeGreaterThan(0);
    for (const b of withdrawn) {
      const state = await h.deps.store.get(b.shipmentId);
      expect(state?.status).toBe('STALE');
      expect(state?.route).toBeFalsy();
      expect(state?.statusReason).toMatch(/no longer fits in the plan .*withdrawn/);
      const told = h.publisher.published.filter(
        (m) => m.detailType === SHIPMENT_UNASSIGNED && m.detail.shipmentId === b.shipmentId,
      );
      expect(told).toHaveLength(1);
    }
    for (const id of kept) expect((await h.deps.store.get(id))?.status).toBe('OPTIMIZED');
  });

  it('an URGENT insertion that loses the race to a window inserts again on the new revision', async () => {
    const region = 'dp-race';
    const h = await harness(region);
    await planWindow(
      h,
      region,
      Array.from({ length: 10 }, () => shipment(region)),
    );
    const job = await closeWindowOf(
      h,
      region,
      Array.from({ length: 10 }, () => shipment(region)),
    );
    let inserts = 0;
    let windowBatch: BatchRecord | undefined;
    h.deps.engine = {
      ...realEngine,
      insertShipment: async (...args) => {
        const result = await realEngine.insertShipment(...args);
        if (++inserts === 1) {
          // The window commits revision 2 while the insertion still works on revision 1.
          const outcome = await optimizeWindow(job, h.deps);
          if (outcome.kind === 'optimized') windowBatch = outcome.batch;
        }
        return result;
      },
    };
    const urgent = shipment(region, { serviceLevel: 'SAME_DAY', priority: 'URGENT' });
    const answer = await acceptShipment({ body: urgent, correlationId: 'c', mode: 'create' }, h.deps);
    expect(answer.realtime?.kind).toBe('optimized');
    expect(inserts).toBe(2);
    const plan = await h.deps.batches.getRegionPlan(region, TOMORROW);
    expect(plan?.revision).toBe(3);
    const stops = stopsOf(plan);
    expect(stops).toContain(urgent.shipmentId);
    for (const id of windowBatch?.shipmentIds ?? []) expect(stops).toContain(id);
    expect(stops).toHaveLength(21);
    expect(new Set(stops).size).toBe(21);
    expectNoOverlap(plan);
  });

  it('stores a plan of 5,000 stops split: a small header with the revision, one item per route, each far below 400 KB', async () => {
    const region = 'dp-split';
    const h = await harness(region);
    const vehicles = Array.from({ length: 100 }, (_, v) => ({
      id: `V${v}`,
      startDepotId: 'STO-N',
      capacityWeightKg: 2000,
      shiftStart: Date.parse('2026-11-27T06:00:00Z') / 1000,
      shiftEnd: Date.parse('2026-11-27T16:00:00Z') / 1000,
      fixedCost: 50,
      costPerKm: 1,
      costPerHour: 30,
    }));
    const shipments = Array.from({ length: 5000 }, (_, i) => ({
      id: `SPLIT-${String(i).padStart(5, '0')}`,
      originDepotId: 'STO-N',
      destination: { lat: 59.2 + (i % 97) * 0.003, lon: 17.8 + (i % 89) * 0.004 },
      weightKg: 12.5,
      serviceSeconds: 300,
      timeWindow: {
        start: Date.parse('2026-11-27T07:00:00Z') / 1000,
        end: Date.parse('2026-11-27T15:00:00Z') / 1000,
      },
      mustServe: false,
    }));
    const t = Date.parse('2026-11-27T07:00:00Z') / 1000;
    const routes = vehicles.map((v, k) => ({
      vehicleId: v.id,
      stops: shipments
        .slice(k * 50, k * 50 + 50)
        .map((s, j) => ({ shipmentId: s.id, arrival: t + j * 400, departure: t + j * 400 + 300 })),
      distanceMeters: 80_000,
      durationSeconds: 20_000,
      cost: 300,
      start: t - 600,
      end: t + 20_000,
    }));
    const planOf = (revision: number, routeList: typeof routes): RegionPlan => ({
      region,
      serviceDate: TOMORROW,
      revision,
      updatedAt: '2026-11-26T13:00:00.000Z',
      input: {
        depots: [{ id: 'STO-N', location: { lat: 59.37, lon: 18.0 } }],
        vehicles,
        shipments,
        planningStart: t - 86_400,
      },
      plan: {
        routes: routeList,
        unassigned: [],
        distanceMeters: 8_000_000,
        durationSeconds: 2_000_000,
        vehiclesUsed: 100,
        cost: 30_000,
      },
      routeIds: Object.fromEntries(vehicles.map((v) => [v.id, `R-${v.id}`])),
      batchId: `B${revision}`,
      versions: Object.fromEntries(shipments.map((s) => [s.id, 1])),
    });
    expect(await h.deps.batches.putRegionPlan(planOf(1, routes))).toBe(true);
    // A writer still on revision 0 loses.
    expect(await h.deps.batches.putRegionPlan(planOf(1, routes))).toBe(false);

    const doc = DynamoDBDocumentClient.from(dynamo.client);
    const pk = `PLAN#${region}#${TOMORROW}`;
    const items = async () => {
      const header = (
        await doc.send(new GetCommand({ TableName: BATCHING_TABLE.id, Key: { pk, sk: 'META' } }))
      ).Item;
      const routeItems = await queryAll(
        doc,
        {
          TableName: BATCHING_TABLE.id,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
          ExpressionAttributeValues: { ':pk': pk, ':r': 'ROUTE#' },
        },
        (i: Record<string, unknown>) => i,
      );
      return { header, routeItems };
    };
    const bytes = (item: Record<string, unknown> | undefined) =>
      Buffer.byteLength(String(item?.document ?? ''));
    const first = await items();
    const whole = Buffer.byteLength(JSON.stringify(planOf(1, routes)));
    expect(whole).toBeGreaterThan(1_000_000); // one item could never hold it
    expect(first.header?.revision).toBe(1);
    expect(bytes(first.header)).toBeLessThan(100_000);
    expect(first.routeItems).toHaveLength(100);
    for (const item of first.routeItems) expect(bytes(item)).toBeLessThan(100_000);
    const read = await h.deps.batches.getRegionPlan(region, TOMORROW);
    expect(stopsOf(read)).toHaveLength(5000);
    expect((read?.input as { shipments: unknown[] } | undefined)?.shipments).toHaveLength(5000);
    expect(read?.versions?.['SPLIT-04999']).toBe(1);

    // Revision 2 changes one route: one new route item, the replaced one deleted, the rest kept.
    const changed = routes.map((r, k) => (k === 7 ? { ...r, cost: 299, stops: [...r.stops].reverse() } : r));
    expect(await h.deps.batches.putRegionPlan(planOf(2, changed))).toBe(true);
    const second = await items();
    expect(second.routeItems).toHaveLength(100);
    const before = new Set(first.routeItems.map((i) => String(i.sk)));
    expect(second.routeItems.filter((i) => !before.has(String(i.sk)))).toHaveLength(1);
    const reread = await h.deps.batches.getRegionPlan(region, TOMORROW);
    expect(reread?.revision).toBe(2);
    expect((reread?.plan as RoutingPlan | undefined)?.routes[7]?.stops[0]?.shipmentId).toBe('SPLIT-00399');
    console.info(
      `plan of 5,000 stops: ${whole} bytes whole; header ${bytes(first.header)} B, 100 route items of at most ${Math.max(...first.routeItems.map(bytes))} B`,
    );
  });
});
