import { describe, expect, it } from 'vitest';
import { planRoutes, type RoutingInput } from '../../../shared/solver';
import { realisticInput } from '../../fixtures/solver/realistic';

/** ADR 0005: a living plan is re-optimized warm-started from its current routes. */
describe('planRoutes warm start (initialRoutes, fixedShipments)', () => {
  const all = realisticInput({ shipments: 80, depots: 2, vehiclesPerDepot: 5, seed: 11, urgentShare: 0 });
  const firstHalf: RoutingInput = { ...all, shipments: all.shipments.slice(0, 40) };

  it('starts from the current routes with the new shipments inserted, and is never worse than that', async () => {
    const current = await planRoutes(firstHalf, { timeLimitMs: 300, seed: 3, inThread: true });
    const initialRoutes = Object.fromEntries(
      current.routes.map((r) => [r.vehicleId, r.stops.map((s) => s.shipmentId)]),
    );
    const fixedShipments = current.routes.flatMap((r) => r.stops.map((s) => s.shipmentId));
    const options = { timeLimitMs: 400, seed: 5, inThread: true, initialRoutes, fixedShipments };
    const inserted = await planRoutes(all, { ...options, maxIterations: 0 });
    const improved = await planRoutes(all, options);
    expect(inserted.unassigned).toEqual([]);
    expect(improved.cost).toBeLessThanOrEqual(inserted.cost + 1e-6);
    // Fixed shipments keep their vehicle and their order; the new ones go anywhere.
    for (const route of current.routes) {
      const now = improved.routes.find((r) => r.vehicleId === route.vehicleId);
      const kept = now?.stops.map((s) => s.shipmentId).filter((id) => fixedShipments.includes(id));
      expect(kept).toEqual(route.stops.map((s) => s.shipmentId));
    }
    expect(improved.routes.flatMap((r) => r.stops)).toHaveLength(80);
  });

  it('runs the same warm start in a worker thread', async () => {
    const current = await planRoutes(firstHalf, { timeLimitMs: 200, seed: 3, inThread: true });
    const initialRoutes = Object.fromEntries(
      current.routes.map((r) => [r.vehicleId, r.stops.map((s) => s.shipmentId)]),
    );
    const fixedShipments = Object.values(initialRoutes).flat();
    const options = { timeLimitMs: 10_000, maxIterations: 300, seed: 5, initialRoutes, fixedShipments };
    const inWorker = await planRoutes(all, options);
    const inThread = await planRoutes(all, { ...options, inThread: true });
    expect(inWorker).toEqual(inThread);
  });

  it('ignores unknown shipments and vehicles in the warm start', async () => {
    const plan = await planRoutes(firstHalf, {
      timeLimitMs: 100,
      seed: 1,
      inThread: true,
      initialRoutes: {
        NOPE: ['x'],
        [firstHalf.vehicles[0]?.id ?? '']: ['missing', firstHalf.shipments[0]?.id ?? ''],
      },
      fixedShipments: ['missing'],
    });
    expect(plan.routes.flatMap((r) => r.stops)).toHaveLength(40);
  });
});
