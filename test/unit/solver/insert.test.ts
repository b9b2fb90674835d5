import { beforeAll, describe, expect, it } from 'vitest';
import {
  insertShipment,
  planRoutes,
  prewarmSolverWorkers,
  type ShipmentJobInput,
} from '../../../shared/solver';
import { DAY_START, realisticInput } from '../../fixtures/solver/realistic';

// The repair runs in a worker thread, started ahead of need as the API function does at cold start.
beforeAll(() => {
  prewarmSolverWorkers(1);
});

describe('insertShipment', () => {
  it('inserts an urgent shipment into a not-yet-departed route, leaving departed routes untouched', async () => {
    const input = realisticInput({ shipments: 60, seed: 11 });
    const plan = await planRoutes(input, { timeLimitMs: 5000, maxIterations: 800, seed: 1, inThread: true });
    // "now": halfway between the earliest and latest route start
    const starts = plan.routes.map((r) => r.start).sort((a, b) => a - b);
    const now = starts[Math.floor(starts.length / 2)]! - 1;
    const departed = plan.routes.filter((r) => r.start <= now);
    const depot = input.depots[0]!;
    const shipment: ShipmentJobInput = {
      id: 'URGENT-1',
      originDepotId: depot.id,
      destination: { lat: depot.location.lat + 0.01, lon: depot.location.lon + 0.01 },
      weightKg: 50,
      serviceSeconds: 300,
      mustServe: true,
    };
    const t0 = performance.now();
    const res = await insertShipment({ plan, input, now }, shipment, 150);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(150 + 50);
    expect(res.unassignedReason).toBeUndefined();
    expect(res.routeVehicleId).toBeDefined();
    const target = res.plan.routes.find((r) => r.vehicleId === res.routeVehicleId)!;
    expect(target.start).toBeGreaterThan(now);
    expect(target.stops.some((s) => s.shipmentId === 'URGENT-1')).toBe(true);
    for (const r of departed) expect(res.plan.routes.find((x) => x.vehicleId === r.vehicleId)).toEqual(r);
    // every previously planned shipment is still planned
    const served = new Set(res.plan.routes.flatMap((r) => r.stops.map((s) => s.shipmentId)));
    for (const r of plan.routes) for (const s of r.stops) expect(served.has(s.shipmentId)).toBe(true);
  });

  it('answers unassigned with a reason when nothing fits', async () => {
    const input = realisticInput({ shipments: 10, seed: 2 });
    const plan = await planRoutes(input, { timeLimitMs: 1000, maxIterations: 100, inThread: true });
    const res = await insertShipment(
      { plan, input, now: input.planningStart },
      {
        id: 'TOO-HEAVY',
        originDepotId: 'D1',
        destination: input.depots[0]!.location,
        weightKg: 99_999,
        serviceSeconds: 60,
        mustServe: true,
      },
      50,
    );
    expect(res.unassignedReason).toBe('capacity');
    expect(res.plan.unassigned).toContainEqual({ shipmentId: 'TOO-HEAVY', reason: 'capacity' });
    expect(res.plan.routes).toEqual(plan.routes);
  });

  it('uses no vehicle once every vehicle of the depot has left', async () => {
    const input = realisticInput({ shipments: 10, seed: 2 });
    const plan = await planRoutes(input, { timeLimitMs: 1000, maxIterations: 100, inThread: true });
    const res = await insertShipment(
      { plan, input, now: DAY_START + 20 * 3600 },
      {
        id: 'LATE',
        originDepotId: 'D1',
        destination: input.depots[0]!.location,
        weightKg: 1,
        serviceSeconds: 60,
        mustServe: true,
      },
      50,
    );
    expect(res.unassignedReason).toBe('no_vehicle');
  });
});

describe('insertShipment without repair', () => {
  it('only inserts: every other stop keeps its route and order', async () => {
    const input = realisticInput({ shipments: 30, seed: 5 });
    const plan = await planRoutes(input, { timeLimitMs: 5000, maxIterations: 300, inThread: true });
    const depot = input.depots[1]!;
    const res = await insertShipment(
      { plan, input, now: input.planningStart },
      {
        id: 'NEW',
        originDepotId: depot.id,
        destination: { lat: depot.location.lat + 0.02, lon: depot.location.lon },
        weightKg: 10,
        serviceSeconds: 60,
        mustServe: true,
      },
      100,
      { repair: false },
    );
    expect(res.routeVehicleId).toBeDefined();
    for (const r of plan.routes) {
      const after = res.plan.routes.find((x) => x.vehicleId === r.vehicleId)!;
      expect(after.stops.map((s) => s.shipmentId).filter((id) => id !== 'NEW')).toEqual(
        r.stops.map((s) => s.shipmentId),
      );
    }
  });
});
