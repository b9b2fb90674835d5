import { describe, expect, it } from 'vitest';
import { planRoutes, type RoutingInput, type RoutingPlan } from '../../../shared/solver';

/**
 * Issue 10: a re-plan may move a shipment the SCM already has to another vehicle only when the move
 * gains more than the move penalty (SolveOptions.currentVehicles, movePenalty).
 */
const day = { shiftStart: 1_800_000_000, shiftEnd: 1_800_000_000 + 12 * 3600 };
const vehicle = (id: string) => ({
  id,
  startDepotId: 'D',
  capacityWeightKg: 1000,
  ...day,
  fixedCost: 0,
  costPerKm: 1,
  costPerHour: 0,
});
const job = (id: string, lat: number, lon: number) => ({
  id,
  originDepotId: 'D',
  destination: { lat, lon },
  weightKg: 10,
  serviceSeconds: 0,
  mustServe: false,
});
/** A serves EAST and FAR-WEST; B serves WEST, right beside FAR-WEST: moving FAR-WEST to B gains. */
const input: RoutingInput = {
  depots: [{ id: 'D', location: { lat: 59.3, lon: 18.0 } }],
  vehicles: [vehicle('A'), vehicle('B')],
  shipments: [job('EAST', 59.3, 18.3), job('FAR-WEST', 59.3, 17.62), job('WEST', 59.3, 17.6)],
  planningStart: day.shiftStart - 3600,
};
const current = { A: ['EAST', 'FAR-WEST'], B: ['WEST'] };
const currentVehicles = { EAST: 'A', 'FAR-WEST': 'A', WEST: 'B' };
const vehicleOf = (plan: RoutingPlan, id: string) =>
  plan.routes.find((r) => r.stops.some((s) => s.shipmentId === id))?.vehicleId;
const solve = (movePenalty: number) =>
  planRoutes(input, {
    timeLimitMs: 10_000,
    maxIterations: 2_000,
    seed: 7,
    inThread: true,
    initialRoutes: current,
    currentVehicles,
    movePenalty,
  });

describe('the move penalty of a re-plan (SolveOptions.currentVehicles, movePenalty)', () => {
  it('moves a shipment only when the gain is above the penalty', async () => {
    const asIs = await planRoutes(input, {
      timeLimitMs: 1000,
      maxIterations: 0,
      inThread: true,
      initialRoutes: current,
    });
    const free = await solve(0);
    expect(vehicleOf(free, 'FAR-WEST')).toBe(vehicleOf(free, 'WEST')); // either vehicle: moves are free
    const gain = asIs.cost - free.cost;
    expect(gain).toBeGreaterThan(10); // km at 1 per km: tens of km

    const kept = await solve(gain * 1.2);
    expect(vehicleOf(kept, 'FAR-WEST')).toBe('A');
    expect(kept.cost).toBeCloseTo(asIs.cost, 6); // the penalty is not part of the plan's cost

    const moved = await solve(gain * 0.8);
    expect(vehicleOf(moved, 'FAR-WEST')).toBe('B');
    expect(moved.cost).toBeCloseTo(free.cost, 6);
  });

  it('runs the same in a worker thread', async () => {
    const options = {
      timeLimitMs: 10_000,
      maxIterations: 500,
      seed: 3,
      initialRoutes: current,
      currentVehicles,
      movePenalty: 1e6,
    };
    const inWorker = await planRoutes(input, options);
    expect(inWorker).toEqual(await planRoutes(input, { ...options, inThread: true }));
    expect(vehicleOf(inWorker, 'FAR-WEST')).toBe('A');
  });

  it('refuses a negative or non-finite penalty', async () => {
    for (const movePenalty of [-1, Number.NaN, Number.POSITIVE_INFINITY])
      await expect(solve(movePenalty)).rejects.toThrow(/movePenalty/);
  });
});
