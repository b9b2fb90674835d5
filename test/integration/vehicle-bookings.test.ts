import { describe, expect, it } from 'vitest';
import { optimizeWindow } from '../../shared/domain/batching/optimize-window';
import { optimizeQueuedUrgent } from '../../shared/domain/batching/urgent-queue';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { detailOf as announce } from '../../shared/domain/use-cases/recovery';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import {
  type BatchJob,
  type BatchRecord,
  FleetConfig,
  type RouteRecord,
} from '../../shared/schemas/batching';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { ShipmentState } from '../../shared/schemas/state';
import type { RoutingPlan } from '../../shared/solver';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps, realEngine } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

/** One real vehicle in the region, 06:00-20:00 UTC (the virtual clock starts at 08:00). */
const TODAY = '2026-11-26';
const oneVehicle = (region: string) =>
  FleetConfig.parse({
    regions: {
      [region]: {
        depots: [{ id: 'DEPOT-1', lat: 59.33, lon: 18.06 }],
        vehicles: [
          { id: 'V1', depotId: 'DEPOT-1', capacityWeightKg: 1000, shiftStart: '06:00', shiftEnd: '20:00' },
        ],
      },
    },
  });

const detailOf = (s: ShipmentState) => announce(s, `evt-${s.shipmentId}-${s.revision}`, s.updatedAt);

let seq = 0;
function shipment(region: string, overrides: Partial<ShipmentBody> = {}): ShipmentBody {
  seq++;
  return sampleShipment({
    shipmentId: `VB-${region}-${seq}`,
    region,
    // Delivered today (the service date of the virtual clock), batched like a STANDARD shipment.
    serviceLevel: 'SAME_DAY',
    priority: 'STANDARD',
    timeWindow: undefined,
    destination: { lat: 59.3 + (seq % 7) * 0.03, lon: 18.0 + (seq % 5) * 0.03 },
    ...overrides,
  });
}

type Deps = ReturnType<typeof batchingDeps>;

/** Submits `count` shipments and lets their 10-minute window close: its job. */
async function closedWindow(h: Deps, region: string, count: number): Promise<BatchJob> {
  for (let i = 0; i < count; i++) {
    const { state } = await submitShipment(
      { body: shipment(region), correlationId: 'c', mode: 'create' },
      h.deps,
    );
    await enqueueShipment(detailOf(state), h.deps);
  }
  await h.clock.advance(600_000);
  await closeDueWindows(h.deps);
  const job = h.jobs.jobs.filter((j) => j.region === region).at(-1);
  if (!job) throw new Error('no job');
  return job;
}

/** A closed window of `count` new shipments, optimized. */
async function window(h: Deps, region: string, count: number): Promise<BatchRecord> {
  const outcome = await optimizeWindow(await closedWindow(h, region, count), h.deps);
  if (outcome.kind !== 'optimized') throw new Error(`window not optimized: ${outcome.reason}`);
  return outcome.batch;
}

async function routesOf(h: Deps, batch: BatchRecord): Promise<RouteRecord[]> {
  const routes = await Promise.all(batch.routeIds.map((id) => h.deps.batches.getRoute(id)));
  return routes.filter((r): r is RouteRecord => r !== undefined);
}

describe('vehicle bookings of a configured fleet (no vehicle on two routes at once)', () => {
  it('the next window uses a vehicle only after it is back from its previous route', async () => {
    const region = 'book-next';
    const h = batchingDeps(dynamo.client, { fleet: oneVehicle(region) });
    const [first] = await routesOf(h, await window(h, region, 4));
    if (!first) throw new Error('no route');
    expect(first.vehicleId).toBe('V1');
    const bookings = await h.deps.batches.getBookings(region, TODAY);
    expect(bookings.vehicles.V1?.until).toBe(Date.parse(first.end) / 1000);

    // The next window closes while V1 is still out (its route ends after 08:20).
    expect(Date.parse(first.end)).toBeGreaterThan(h.clock.now() + 600_000);
    const [second] = await routesOf(h, await window(h, region, 3));
    if (!second) throw new Error('no route');
    expect(second.vehicleId).toBe('V1');
    expect(Date.parse(second.start)).toBeGreaterThanOrEqual(Date.parse(first.end));
    expect((await h.deps.batches.getBookings(region, TODAY)).vehicles.V1?.until).toBe(
      Date.parse(second.end) / 1000,
    );
  });

  it('the default fleet (no configuration for the region) is a template per window and is not booked', async () => {
    const region = 'book-default';
    const h = batchingDeps(dynamo.client);
    await window(h, region, 3);
    expect(await h.deps.batches.getBookings(region, TODAY)).toEqual({
      region,
      serviceDate: TODAY,
      revision: 0,
      vehicles: {},
    });
  });

  it('plans the window again on the new revision when an URGENT insertion changed the plan meanwhile', async () => {
    const region = 'book-race';
    let solves = 0;
    const h = batchingDeps(dynamo.client, { fleet: oneVehicle(region) });
    const urgent = shipment(region, { priority: undefined, destination: { lat: 59.36, lon: 18.1 } });
    h.deps.engine = {
      ...realEngine,
      planRoutes: async (input, options) => {
        const plan = await realEngine.planRoutes(input, options);
        if (++solves === 1) {
          // Meanwhile an URGENT shipment is inserted into the same plan (revision 1 → 2).
          const { state } = await submitShipment(
            { body: urgent, correlationId: 'c', mode: 'create', hold: true },
            h.deps,
          );
          const outcome = await optimizeQueuedUrgent(detailOf(state), 5_000, h.deps);
          if (outcome.kind !== 'optimized') throw new Error('URGENT not placed');
        }
        return plan;
      },
    };
    const batch = await window(h, region, 3);
    expect(solves).toBe(2);
    expect(batch.plans?.[0]?.revision).toBe(2);
    // The window's plan was made on top of the insertion: the URGENT route (waiting for its
    // dispatch lead, it has not left) kept its stop, and the window's shipments joined it.
    const urgentRoute = (await h.deps.store.get(urgent.shipmentId))?.route;
    expect(urgentRoute?.vehicleId).toBe('V1');
    const plan = await h.deps.batches.getRegionPlan(region, TODAY);
    const stops = ((plan?.plan as RoutingPlan | undefined)?.routes ?? []).flatMap((r) =>
      r.stops.map((s) => s.shipmentId),
    );
    expect(stops.sort()).toEqual([...batch.shipmentIds, urgent.shipmentId].sort());
    expect(plan?.routeIds.V1).toBe(urgentRoute?.routeId);
    expect((await h.deps.store.get(urgent.shipmentId))?.status).toBe('OPTIMIZED');
  });

  it('a re-run of a window (its first run died after writing the plan) plans each shipment once', async () => {
    const region = 'book-rerun';
    const h = batchingDeps(dynamo.client, { fleet: oneVehicle(region) });
    const [first] = await routesOf(h, await window(h, region, 3));
    const firstEnd = Date.parse(first?.end ?? '');
    // The second window's run writes the plan, then dies before any result is written.
    const job = await closedWindow(h, region, 3);
    const crashing = { ...h.deps, batches: { ...h.deps.batches } };
    crashing.batches.putRoutes = async () => {
      throw new Error('the process died');
    };
    Object.setPrototypeOf(crashing.batches, Object.getPrototypeOf(h.deps.batches));
    await expect(optimizeWindow(job, crashing)).rejects.toThrow('the process died');

    const outcome = await optimizeWindow(job, h.deps);
    if (outcome.kind !== 'optimized') throw new Error('not optimized');
    const [rerun] = await routesOf(h, outcome.batch);
    // The first route has left: V1 takes the window's shipments when it is back.
    expect(Date.parse(rerun?.start ?? '')).toBeGreaterThanOrEqual(firstEnd);
    const plan = await h.deps.batches.getRegionPlan(region, TODAY);
    const stops = ((plan?.plan as RoutingPlan | undefined)?.routes ?? []).flatMap((r) =>
      r.stops.map((s) => s.shipmentId),
    );
    expect(stops.sort()).toEqual(outcome.batch.shipmentIds.sort());
    expect(plan?.dispatched?.map((d) => d.routeId)).toEqual([first?.routeId]);
  });

  it('an URGENT insertion books its vehicle, and no vehicle is ever on two routes at once', async () => {
    const region = 'book-urgent';
    const fleet = FleetConfig.parse({
      regions: {
        [region]: {
          depots: [{ id: 'DEPOT-1', lat: 59.33, lon: 18.06 }],
          vehicles: ['V1', 'V2'].map((id) => ({
            id,
            depotId: 'DEPOT-1',
            capacityWeightKg: 1000,
            shiftStart: '06:00',
            shiftEnd: '20:00',
            fixedCost: 500, // one vehicle is cheaper than two: windows use one
          })),
        },
      },
    });
    const h = batchingDeps(dynamo.client, { fleet });
    const routes = await routesOf(h, await window(h, region, 3));
    expect(routes).toHaveLength(1);
    // The window's vehicle has left: the URGENT shipment takes the other one, or the same one once it
    // is back (a route of its own), and that vehicle is booked.
    const body = shipment(region, {
      serviceLevel: 'SAME_DAY',
      priority: undefined,
      destination: { lat: 59.5, lon: 18.3 },
    });
    const { state } = await submitShipment({ body, correlationId: 'c', mode: 'create', hold: true }, h.deps);
    const outcome = await optimizeQueuedUrgent(detailOf(state), 5_000, h.deps);
    if (outcome.kind !== 'optimized') throw new Error(`URGENT not placed: ${outcome.kind}`);
    if (outcome.route.vehicleId === routes[0]?.vehicleId) {
      expect(outcome.route.routeId).not.toBe(routes[0]?.routeId);
      expect(Date.parse(outcome.route.start)).toBeGreaterThanOrEqual(Date.parse(routes[0]?.end ?? ''));
    }
    routes.push(outcome.route);
    expect((await h.deps.batches.getBookings(region, TODAY)).vehicles[outcome.route.vehicleId]?.until).toBe(
      Date.parse(outcome.route.end) / 1000,
    );
    // Two more windows while both vehicles are out: every route starts after its vehicle's previous one.
    routes.push(...(await routesOf(h, await window(h, region, 2))));
    routes.push(...(await routesOf(h, await window(h, region, 2))));
    // A window adds to the routes of the living plan that have not left: the current version of each.
    const current = await Promise.all(
      [...new Set(routes.map((r) => r.routeId))].map((id) => h.deps.batches.getRoute(id)),
    );
    for (const vehicle of ['V1', 'V2']) {
      const mine = current
        .filter((r): r is RouteRecord => r !== undefined)
        .filter((r) => r.vehicleId === vehicle)
        .map((r) => [Date.parse(r.start), Date.parse(r.end)] as const)
        .sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < mine.length; i++) {
        expect(mine[i]?.[0], `${vehicle} route ${i}`).toBeGreaterThanOrEqual(mine[i - 1]?.[1] ?? 0);
      }
    }
    // The first route and at least the URGENT one's (the windows may join it).
    expect(current.length).toBeGreaterThanOrEqual(2);
  });
});
