import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { insertShipment, planRoutes, type ShipmentJobInput } from '../../../shared/solver';
import { realisticInput } from '../../fixtures/solver/realistic';
import { checkPlan } from './plan-check';

const params = fc.record({
  shipments: fc.integer({ min: 0, max: 18 }),
  depots: fc.integer({ min: 1, max: 3 }),
  vehiclesPerDepot: fc.integer({ min: 0, max: 3 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  urgentShare: fc.double({ min: 0, max: 1, noNaN: true }),
  twShare: fc.double({ min: 0, max: 1, noNaN: true }),
  capacityFactor: fc.constantFrom(0.15, 0.3, 1),
  shiftHours: fc.constantFrom(3, 6, 10),
});

describe('solver properties', () => {
  it('plans are feasible, complete, reasoned and correctly costed', async () => {
    await fc.assert(
      fc.asyncProperty(params, fc.integer({ min: 1, max: 1000 }), async (p, seed) => {
        const input = realisticInput(p);
        const plan = await planRoutes(input, { timeLimitMs: 5000, maxIterations: 150, seed, inThread: true });
        expect(await checkPlan(input, plan)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it('the same seed gives the same plan', async () => {
    await fc.assert(
      fc.asyncProperty(params, fc.integer({ min: 1, max: 1000 }), async (p, seed) => {
        const input = realisticInput(p);
        const a = await planRoutes(input, { timeLimitMs: 5000, maxIterations: 100, seed, inThread: true });
        const b = await planRoutes(input, { timeLimitMs: 5000, maxIterations: 100, seed, inThread: true });
        expect(a).toEqual(b);
      }),
      { numRuns: 15 },
    );
  }, 60_000);

  it('insertion never moves a frozen stop and keeps the plan feasible', async () => {
    await fc.assert(
      fc.asyncProperty(
        params,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: -0.1, max: 0.1, noNaN: true }),
        async (p, nowFrac, offset) => {
          const input = realisticInput({ ...p, vehiclesPerDepot: Math.max(1, p.vehiclesPerDepot) });
          const plan = await planRoutes(input, {
            timeLimitMs: 5000,
            maxIterations: 100,
            seed: 1,
            inThread: true,
          });
          const now = Math.round(input.planningStart + nowFrac * 10 * 3600);
          const depot = input.depots[0]!;
          const shipment: ShipmentJobInput = {
            id: 'NEW',
            originDepotId: depot.id,
            destination: { lat: depot.location.lat + offset, lon: depot.location.lon - offset },
            weightKg: 40,
            serviceSeconds: 120,
            mustServe: true,
          };
          const res = await insertShipment({ plan, input, now }, shipment, 30);
          for (const r of plan.routes) {
            const lastFrozen = r.stops.map((s) => s.arrival <= now).lastIndexOf(true);
            if (lastFrozen < 0) continue;
            const after = res.plan.routes.find((x) => x.vehicleId === r.vehicleId);
            expect(after?.stops.slice(0, lastFrozen + 1)).toEqual(r.stops.slice(0, lastFrozen + 1));
          }
          const input2 = { ...input, shipments: [...input.shipments, shipment] };
          const errors = await checkPlan(input2, res.plan);
          // re-planned routes may start no earlier than now
          expect(errors.filter((e) => !e.includes('starts before shift'))).toEqual([]);
          if (res.routeVehicleId === undefined) expect(res.unassignedReason).toBeDefined();
          else expect(res.unassignedReason).toBeUndefined();
          for (const r of res.plan.routes) {
            const old = plan.routes.find((x) => x.vehicleId === r.vehicleId);
            if (old && old.start <= now) expect(r).toEqual(old);
            else expect(r.start).toBeGreaterThanOrEqual(Math.min(now, r.start));
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);
});
