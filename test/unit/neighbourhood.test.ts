import { describe, expect, it } from 'vitest';
import {
  detourKm,
  type NeighbourhoodProblem,
  type RouteSite,
  replanNeighbourhood,
  rotationFor,
  rotationSlices,
  selectNeighbourhood,
  selectRotation,
} from '../../shared/domain/batching/neighbourhood';
import { planRoutes, type RoutingInput, type RoutingPlan } from '../../shared/solver';
import { cityFleet, cityShipments, sectorRoutes } from '../fixtures/plans/sector-plan';

/** Issue 10 §6: a large plan is re-optimized in the neighbourhood of the new shipments only. */

const depot = { lat: 0, lon: 0 };
/** Route r of `n` stops along the ray at angle r × 30° (0.01° apart), from depot D1 unless told. */
function ray(r: number, n: number, overrides: Partial<RouteSite> = {}): RouteSite {
  const a = (r * Math.PI) / 6;
  return {
    vehicleId: `V${r}`,
    depotId: 'D1',
    start: depot,
    end: depot,
    stops: Array.from({ length: n }, (_, i) => ({
      lat: (i + 1) * 0.01 * Math.sin(a),
      lon: (i + 1) * 0.01 * Math.cos(a),
    })),
    changed: false,
    ...overrides,
  };
}
const onRay = (r: number, at: number) => {
  const a = (r * Math.PI) / 6;
  return { originDepotId: 'D1', destination: { lat: at * Math.sin(a), lon: at * Math.cos(a) } };
};

/** The engine on the test's thread, with a time limit no test reaches (the iteration limit ends it). */
const inThread = (input: RoutingInput, options: Omit<Parameters<typeof planRoutes>[1], 'timeLimitMs'>) =>
  planRoutes(input, { timeLimitMs: 60_000, inThread: true, ...options });

/** A plan of sector routes as they are built (no search) and its warm start. */
async function sectorPlan(base: RoutingInput) {
  const current = await inThread(base, { initialRoutes: sectorRoutes(base, 20), maxIterations: 0, seed: 1 });
  const warm = Object.fromEntries(current.routes.map((r) => [r.vehicleId, r.stops.map((s) => s.shipmentId)]));
  return { current, warm };
}

/** An in-thread search that records the stops of each problem it is given. */
const recording =
  (sizes: number[], maxIterations: number) =>
  (problem: NeighbourhoodProblem): Promise<RoutingPlan> => {
    sizes.push(problem.input.shipments.length);
    return inThread(problem.input, { initialRoutes: problem.initialRoutes, maxIterations, seed: 3 });
  };

describe('selectNeighbourhood', () => {
  const routes = Array.from({ length: 12 }, (_, r) => ray(r, 10));

  it('takes the routes a new shipment fits best first, then the routes next to them', () => {
    const chosen = selectNeighbourhood(routes, [onRay(4, 0.055)], { maxStops: 1000, candidateRoutes: 3 });
    expect(chosen[0]).toBe('V4');
    expect(chosen.slice(1, 3).sort()).toEqual(['V3', 'V5']);
    expect(chosen).toHaveLength(12); // room for all: the rest follow, nearest first
    expect(chosen.at(-1)).toBe('V10'); // the opposite ray is the farthest
  });

  it('finds a route passing by a shipment even when none of its stops is near it (detour, not distance)', () => {
    // a route from the depot out to (0, 1) and back: the shipment at (0, 0.5) lies on its way
    const long: RouteSite = { ...ray(0, 0), vehicleId: 'LONG', stops: [{ lat: 0, lon: 1 }] };
    const near: RouteSite = { ...ray(0, 0), vehicleId: 'NEAR', stops: [{ lat: 0.3, lon: 0.5 }] };
    const shipment = { originDepotId: 'D1', destination: { lat: 0, lon: 0.5 } };
    expect(detourKm(long, shipment.destination)).toBeCloseTo(0, 6);
    expect(selectNeighbourhood([near, long], [shipment], { maxStops: 2, candidateRoutes: 1 })).toEqual([
      'LONG',
    ]);
  });

  it('holds at most maxStops stops (re-opened routes plus the new shipments)', () => {
    const arriving = [onRay(1, 0.03), onRay(7, 0.03), onRay(9, 0.08)];
    for (const maxStops of [3, 12, 13, 25, 33, 60]) {
      const chosen = selectNeighbourhood(routes, arriving, { maxStops, candidateRoutes: 3 });
      expect(chosen.length * 10 + arriving.length).toBeLessThanOrEqual(maxStops);
      expect(chosen).toHaveLength(Math.floor((maxStops - arriving.length) / 10));
    }
    // the first routes are the best candidates of the three shipments
    expect(selectNeighbourhood(routes, arriving, { maxStops: 33, candidateRoutes: 3 }).sort()).toEqual([
      'V1',
      'V7',
      'V9',
    ]);
  });

  it('always re-opens a route that lost a stop, and only routes of the shipment’s depot', () => {
    const mixed = [...routes.slice(0, 6), ray(3, 10, { vehicleId: 'OTHER', depotId: 'D2' })];
    mixed[0] = { ...mixed[0]!, changed: true };
    const chosen = selectNeighbourhood(mixed, [onRay(3, 0.05)], { maxStops: 5, candidateRoutes: 3 });
    expect(chosen).toEqual(['V0']); // beyond the bound, but it must be re-timed
    const roomy = selectNeighbourhood(mixed, [onRay(3, 0.05)], { maxStops: 100, candidateRoutes: 3 });
    expect(roomy).not.toContain('OTHER');
    expect(roomy[1]).toBe('V3');
  });
});

describe('replanNeighbourhood', () => {
  const fleet = cityFleet({ depots: 2, vehiclesPerDepot: 30, seed: 3 });
  const base: RoutingInput = { ...fleet, shipments: cityShipments(fleet, 600, 5, 'S', 0) };
  const arrivingJobs = cityShipments(fleet, 20, 99, 'N', 0);
  const depotAt = new Map(fleet.depots.map((d) => [d.id, d.location]));
  const destinationOf = new Map(base.shipments.map((s) => [s.id, s.destination]));

  it('keeps the routes outside the neighbourhood byte for byte, bounded, and no worse than inserting the new ones', async () => {
    const initialRoutes = sectorRoutes(base, 20);
    const current: RoutingPlan = await inThread(base, { initialRoutes, maxIterations: 0, seed: 1 });
    expect(current.unassigned).toEqual([]);
    const warm = Object.fromEntries(
      current.routes.map((r) => [r.vehicleId, r.stops.map((s) => s.shipmentId)]),
    );
    const fixedShipments = base.shipments.map((s) => s.id);
    const input: RoutingInput = { ...base, shipments: [...base.shipments, ...arrivingJobs] };
    const before = JSON.stringify(current.routes);

    const problems: NeighbourhoodProblem[] = [];
    const res = await replanNeighbourhood(
      input,
      { routes: current.routes, initialRoutes: warm, fixedShipments, changed: new Set() },
      (problem) => {
        problems.push(problem);
        return inThread(problem.input, {
          initialRoutes: problem.initialRoutes,
          fixedShipments: problem.fixedShipments,
          maxIterations: 3_000,
          seed: 7,
        });
      },
      { maxStops: 450, candidateRoutes: 3 },
    );
    expect(JSON.stringify(current.routes)).toBe(before); // the input plan is not touched
    expect(problems).toHaveLength(1);
    const part = problems[0]!;
    expect(res.searchedStops).toBe(part.input.shipments.length);
    expect(part.input.shipments.length).toBeLessThanOrEqual(450);
    expect(part.input.shipments.length).toBeGreaterThan(430); // it grew to the bound (routes of 20)
    for (const job of arrivingJobs) expect(part.input.shipments.map((s) => s.id)).toContain(job.id);

    // Every route outside the neighbourhood is the current one, byte for byte; its vehicle was not offered.
    const reopened = new Set(res.reopened);
    const offered = new Set(part.input.vehicles.map((v) => v.id));
    let kept = 0;
    for (const route of current.routes) {
      if (reopened.has(route.vehicleId)) continue;
      kept++;
      expect(offered.has(route.vehicleId)).toBe(false);
      const now = res.plan.routes.find((r) => r.vehicleId === route.vehicleId);
      expect(JSON.stringify(now)).toBe(JSON.stringify(route));
    }
    expect(kept).toBe(current.routes.length - reopened.size);
    expect(kept).toBeGreaterThanOrEqual(8);

    // Each new shipment's best-fitting route (by detour) was re-opened.
    for (const job of arrivingJobs) {
      const sites = current.routes
        .filter((r) => r.vehicleId.startsWith(`${job.originDepotId}-`))
        .map((r) => ({
          id: r.vehicleId,
          detour: detourKm(
            {
              vehicleId: r.vehicleId,
              depotId: job.originDepotId,
              start: depotAt.get(job.originDepotId)!,
              end: depotAt.get(job.originDepotId)!,
              stops: r.stops.map((s) => destinationOf.get(s.shipmentId)!),
              changed: false,
            },
            job.destination,
          ),
        }))
        .sort((a, b) => a.detour - b.detour);
      expect(reopened.has(sites[0]!.id)).toBe(true);
    }

    // The whole plan: every shipment exactly once, one route per vehicle, all new ones planned.
    const stops = res.plan.routes.flatMap((r) => r.stops.map((s) => s.shipmentId));
    expect(res.plan.unassigned).toEqual([]);
    expect(stops).toHaveLength(input.shipments.length);
    expect(new Set(stops).size).toBe(input.shipments.length);
    const vehicles = res.plan.routes.map((r) => r.vehicleId);
    expect(new Set(vehicles).size).toBe(vehicles.length);
    expect(res.plan.cost).toBeCloseTo(
      res.plan.routes.reduce((a, r) => a + r.cost, 0),
      6,
    );

    // Never worse than the current plan with the new shipments inserted by cheapest insertion into
    // the whole plan (the engine's warm start without search).
    const inserted = await inThread(input, {
      initialRoutes: warm,
      fixedShipments,
      maxIterations: 0,
      seed: 7,
    });
    expect(inserted.unassigned).toEqual([]);
    expect(res.plan.cost).toBeLessThanOrEqual(inserted.cost + 1e-6);
  });

  it('solves a plan that fits the bound whole, with the warm start as given', async () => {
    const small: RoutingInput = { ...base, shipments: base.shipments.slice(0, 50) };
    const problems: NeighbourhoodProblem[] = [];
    const warm = { [small.vehicles[0]!.id]: ['S1'] };
    const res = await replanNeighbourhood(
      small,
      { routes: [], initialRoutes: warm, fixedShipments: ['S1'], changed: new Set() },
      async (problem) => {
        problems.push(problem);
        return inThread(problem.input, {
          initialRoutes: problem.initialRoutes,
          fixedShipments: problem.fixedShipments,
          maxIterations: 100,
          seed: 1,
        });
      },
      { maxStops: 50, candidateRoutes: 3 },
    );
    expect(res.reopened).toBeUndefined();
    expect(problems[0]?.input).toBe(small);
    expect(problems[0]?.initialRoutes).toBe(warm);
    expect(res.plan.routes.flatMap((r) => r.stops)).toHaveLength(50);
  });
});

describe('rotation slices', () => {
  /** Routes of `n` stops at angles 0°, 30°, … around depot D1 (and D2 for `other`). */
  const d1 = Array.from({ length: 12 }, (_, r) => ray(r, 10));
  const d2 = Array.from({ length: 6 }, (_, r) => ray(r, 7, { vehicleId: `W${r}`, depotId: 'D2' }));
  const all = [...d2, ...d1];
  const sizeOf = new Map(all.map((r) => [r.vehicleId, r.stops.length]));
  const depotOf = new Map(all.map((r) => [r.vehicleId, r.depotId]));

  it('cuts each depot’s routes, swept by angle, into slices of at most maxStops stops', () => {
    const slices = rotationSlices(all, 35);
    for (const slice of slices) {
      expect(slice.reduce((n, v) => n + sizeOf.get(v)!, 0)).toBeLessThanOrEqual(35);
      expect(new Set(slice.map((v) => depotOf.get(v))).size).toBe(1); // never two depots
    }
    // every route in exactly one slice; depots by id, routes by angle (-180°..180°) within each
    expect(slices.flat().sort()).toEqual(all.map((r) => r.vehicleId).sort());
    expect(slices[0]).toEqual(['V7', 'V8', 'V9']); // 210°, 240°, 270° come first (atan2 < 0)
    expect(slices.flat().slice(0, 12)).toEqual([
      'V7',
      'V8',
      'V9',
      'V10',
      'V11',
      'V0',
      'V1',
      'V2',
      'V3',
      'V4',
      'V5',
      'V6',
    ]);
    expect(slices.at(-1)).toEqual(['W5']); // D2: 6 × 7 stops = 5 + 1
  });

  it('is deterministic: the order of the routes given does not matter', () => {
    const shuffled = [...all].reverse();
    for (let rev = 0; rev < 10; rev++)
      expect(selectRotation(shuffled, rev, 35)).toEqual(selectRotation(all, rev, 35));
  });

  it('covers every route within `slices` consecutive revisions, from any revision', () => {
    const n = rotationSlices(all, 35).length;
    expect(n).toBe(6); // D1: 3 + 3 + 3 + 3 routes of 10; D2: 5 + 1 routes of 7
    for (const from of [0, 1, 7, 1234]) {
      const seen = new Set<string>();
      for (let rev = from; rev < from + n; rev++)
        for (const v of selectRotation(all, rev, 35).flat()) seen.add(v);
      expect(seen.size).toBe(all.length);
    }
    // several slices per re-plan: consecutive ones, all covered in ceil(n / count) revisions
    const seen = new Set<string>();
    for (let rev = 5; rev < 5 + Math.ceil(n / 4); rev++) {
      const picked = selectRotation(all, rev, 35, 4);
      expect(picked).toHaveLength(4);
      for (const v of picked.flat()) seen.add(v);
    }
    expect(seen.size).toBe(all.length);
  });

  it('never re-opens a route larger than the bound, nor empty routes; nothing when there are none', () => {
    const big = ray(3, 50, { vehicleId: 'BIG' });
    const empty = ray(4, 0, { vehicleId: 'EMPTY' });
    const slices = rotationSlices([...d1, big, empty], 35);
    expect(slices.flat()).not.toContain('BIG');
    expect(slices.flat()).not.toContain('EMPTY');
    expect(selectRotation([big], 3, 35)).toEqual([]);
    expect(selectRotation(d1, 3, 35, 0)).toEqual([]);
  });

  it('has no rotation for a frozen plan', () => {
    expect(rotationFor(true, 9, 30_000, () => 0)).toBeUndefined();
    expect(rotationFor(false, 9, 30_000, () => 0)).toMatchObject({ revision: 9, budgetMs: 30_000 });
  });
});

describe('replanNeighbourhood with rotation', () => {
  const fleet = cityFleet({ depots: 2, vehiclesPerDepot: 30, seed: 3 });
  const base: RoutingInput = { ...fleet, shipments: cityShipments(fleet, 600, 5, 'S', 0) };
  const arrivingJobs = cityShipments(fleet, 20, 99, 'N', 0);

  it('searches the new shipments’ neighbourhood, then a rotation slice, each bounded and never worse', async () => {
    const current: RoutingPlan = await inThread(base, {
      initialRoutes: sectorRoutes(base, 20),
      maxIterations: 0,
      seed: 1,
    });
    const warm = Object.fromEntries(
      current.routes.map((r) => [r.vehicleId, r.stops.map((s) => s.shipmentId)]),
    );
    const currentVehicles = Object.fromEntries(
      current.routes.flatMap((r) => r.stops.map((s) => [s.shipmentId, r.vehicleId])),
    );
    const input: RoutingInput = { ...base, shipments: [...base.shipments, ...arrivingJobs] };
    const problems: NeighbourhoodProblem[] = [];
    const results: RoutingPlan[] = [];
    let elapsed = 0;
    const res = await replanNeighbourhood(
      input,
      { routes: current.routes, initialRoutes: warm, fixedShipments: [], changed: new Set() },
      async (problem) => {
        problems.push(problem);
        elapsed += 4_000; // each search "takes" 4 s of the 30 s budget
        const plan = await inThread(problem.input, {
          initialRoutes: problem.initialRoutes,
          currentVehicles,
          movePenalty: 10,
          maxIterations: 2_000,
          seed: 7,
        });
        results.push(plan);
        return plan;
      },
      { maxStops: 250, candidateRoutes: 3 },
      { revision: 3, budgetMs: 30_000, elapsedMs: () => elapsed, slices: 2 },
    );
    // One search of the new shipments per depot (half the budget between them), then 2 slices.
    expect(problems).toHaveLength(4);
    expect(problems.map((p) => p.timeLimitMs)).toEqual([7_500, 11_000, 10_875, 17_750]);
    for (const p of problems) expect(p.input.shipments.length).toBeLessThanOrEqual(250);
    expect(res.rotated).toHaveLength(2);
    const depotOf = new Map(fleet.vehicles.map((v) => [v.id, v.startDepotId]));
    const newIds = new Set(arrivingJobs.map((s) => s.id));
    const depots = [...new Set(arrivingJobs.map((s) => s.originDepotId))].sort();
    expect(depots).toHaveLength(2);
    for (const [i, depotId] of depots.entries()) {
      const p = problems[i]!;
      // its depot's new shipments, none of the other depot's; only its depot's routes re-opened
      const got = p.input.shipments.filter((s) => newIds.has(s.id));
      expect(got.map((s) => s.id).sort()).toEqual(
        arrivingJobs
          .filter((s) => s.originDepotId === depotId)
          .map((s) => s.id)
          .sort(),
      );
      for (const v of Object.keys(p.initialRoutes)) expect(depotOf.get(v)).toBe(depotId);
    }
    expect(res.reopened!.length).toBeGreaterThan(0);

    // Each rotation search re-opened exactly its slice: its routes' shipments are all it got, and
    // the vehicles of the other routes were not offered.
    for (const [i, slice] of res.rotated.entries()) {
      const p = problems[i + 2]!;
      expect(Object.keys(p.initialRoutes).sort()).toEqual([...slice].sort());
      const onSlice = Object.values(p.initialRoutes).flat();
      expect(p.input.shipments.map((s) => s.id).sort()).toEqual([...onSlice].sort());
      const offered = new Set(p.input.vehicles.map((v) => v.id));
      for (const v of slice) expect(offered.has(v)).toBe(true);
      const routed = res.plan.routes.filter((r) => !offered.has(r.vehicleId));
      expect(routed.length).toBeGreaterThan(0);
    }

    // The whole plan: every shipment once, one route per vehicle.
    const stops = res.plan.routes.flatMap((r) => r.stops.map((s) => s.shipmentId));
    expect(res.plan.unassigned).toEqual([]);
    expect(new Set(stops).size).toBe(input.shipments.length);
    const vehicles = res.plan.routes.map((r) => r.vehicleId);
    expect(new Set(vehicles).size).toBe(vehicles.length);

    // Never worse than the current plan with the new shipments inserted (cost + move penalties).
    const moves = (plan: RoutingPlan) =>
      plan.routes.reduce(
        (n, r) =>
          n +
          r.stops.filter(
            (s) => currentVehicles[s.shipmentId] && currentVehicles[s.shipmentId] !== r.vehicleId,
          ).length,
        0,
      );
    const inserted = await inThread(input, {
      initialRoutes: warm,
      currentVehicles,
      movePenalty: 10,
      maxIterations: 0,
      seed: 7,
    });
    expect(res.plan.cost + 10 * moves(res.plan)).toBeLessThanOrEqual(
      inserted.cost + 10 * moves(inserted) + 1e-6,
    );
  }, 60_000);

  it('does not rotate a plan that fits the bound (it is searched whole), nor without the budget for it', async () => {
    const small: RoutingInput = { ...base, shipments: base.shipments.slice(0, 50) };
    const solve = (problem: NeighbourhoodProblem) =>
      inThread(problem.input, { initialRoutes: problem.initialRoutes, maxIterations: 100, seed: 1 });
    const rotation = { revision: 1, budgetMs: 30_000, elapsedMs: () => 0 };
    const whole = await replanNeighbourhood(
      small,
      { routes: [], initialRoutes: {}, fixedShipments: [], changed: new Set() },
      solve,
      { maxStops: 50, candidateRoutes: 3 },
      rotation,
    );
    expect(whole.rotated).toEqual([]);
    const current = await inThread(base, {
      initialRoutes: sectorRoutes(base, 20),
      maxIterations: 0,
      seed: 1,
    });
    const warm = Object.fromEntries(
      current.routes.map((r) => [r.vehicleId, r.stops.map((s) => s.shipmentId)]),
    );
    const spent = await replanNeighbourhood(
      { ...base, shipments: [...base.shipments, ...arrivingJobs] },
      { routes: current.routes, initialRoutes: warm, fixedShipments: [], changed: new Set() },
      solve,
      { maxStops: 250, candidateRoutes: 3 },
      { ...rotation, elapsedMs: () => 29_500 }, // 0.5 s left: below minSearchMs
    );
    expect(spent.rotated).toEqual([]);
  }, 60_000);
});

describe('replanNeighbourhood with rotation and unassigned shipments', () => {
  const fleet = cityFleet({ depots: 2, vehiclesPerDepot: 30, seed: 3 });
  const base: RoutingInput = { ...fleet, shipments: cityShipments(fleet, 600, 5, 'S', 0) };
  // Heavier than any vehicle: unassigned by every search.
  const heavy = cityShipments(fleet, 30, 77, 'H', 0).map((s) => ({ ...s, weightKg: 1_000_000 }));

  it('keeps every shipment (planned once or unassigned) and no search exceeds the bound with them', async () => {
    const { current, warm } = await sectorPlan(base);
    const input: RoutingInput = { ...base, shipments: [...base.shipments, ...heavy] };
    const sizes: number[] = [];
    const res = await replanNeighbourhood(
      input,
      { routes: current.routes, initialRoutes: warm, fixedShipments: [], changed: new Set() },
      recording(sizes, 200),
      { maxStops: 250, candidateRoutes: 3 },
      { revision: 2, budgetMs: 30_000, elapsedMs: () => 0, slices: 3 },
    );
    expect(res.rotated.length).toBeGreaterThan(0);
    for (const n of sizes) expect(n).toBeLessThanOrEqual(250);
    const planned = res.plan.routes.flatMap((r) => r.stops.map((s) => s.shipmentId));
    const unassigned = res.plan.unassigned.map((u) => u.shipmentId);
    expect(new Set(planned).size).toBe(planned.length);
    expect(unassigned.sort()).toEqual(heavy.map((s) => s.id).sort());
    expect(planned.length + unassigned.length).toBe(input.shipments.length);
    const vehicles = res.plan.routes.map((r) => r.vehicleId);
    expect(new Set(vehicles).size).toBe(vehicles.length);
  }, 60_000);
});

describe('replanNeighbourhood with rotation slices larger than the neighbourhood (Rotation.maxStops)', () => {
  const fleet = cityFleet({ depots: 2, vehiclesPerDepot: 30, seed: 3 });
  const base: RoutingInput = { ...fleet, shipments: cityShipments(fleet, 600, 5, 'S', 0) };
  const arriving = cityShipments(fleet, 20, 21, 'N', 0);

  it('bounds the new shipments’ searches by the neighbourhood and each slice by its own bound', async () => {
    const { current, warm } = await sectorPlan(base);
    const input: RoutingInput = { ...base, shipments: [...base.shipments, ...arriving] };
    const run = async (sliceStops?: number) => {
      const sizes: number[] = [];
      const res = await replanNeighbourhood(
        input,
        { routes: current.routes, initialRoutes: warm, fixedShipments: [], changed: new Set() },
        recording(sizes, 100),
        { maxStops: 150, candidateRoutes: 3 },
        {
          revision: 1,
          budgetMs: 30_000,
          elapsedMs: () => 0,
          slices: 2,
          ...(sliceStops !== undefined ? { maxStops: sliceStops } : {}),
        },
      );
      const slices = sizes.slice(sizes.length - res.rotated.length);
      return { res, first: sizes.slice(0, sizes.length - res.rotated.length), slices };
    };
    const narrow = await run();
    const wide = await run(400);
    for (const { res, first } of [narrow, wide]) {
      expect(first.length).toBeGreaterThan(0);
      for (const n of first) expect(n).toBeLessThanOrEqual(150);
      expect(res.rotated.length).toBe(2);
      const planned = res.plan.routes.flatMap((r) => r.stops.map((x) => x.shipmentId));
      expect(new Set(planned).size).toBe(planned.length);
      expect(planned.length + res.plan.unassigned.length).toBe(input.shipments.length);
    }
    for (const n of narrow.slices) expect(n).toBeLessThanOrEqual(150);
    for (const n of wide.slices) expect(n).toBeLessThanOrEqual(400);
    // A depot's ~300 stops are one slice of the wider bound: more than the neighbourhood holds.
    expect(Math.max(...wide.slices)).toBeGreaterThan(150);
  }, 60_000);
});

describe('replanNeighbourhood: one search of the new shipments per depot', () => {
  const fleet = cityFleet({ depots: 3, vehiclesPerDepot: 20, seed: 4 });
  const base: RoutingInput = { ...fleet, shipments: cityShipments(fleet, 600, 6, 'S', 0) };
  const arrivingJobs = cityShipments(fleet, 30, 98, 'N', 0);

  it('re-times each depot’s changed routes in its own search: every shipment once, no stale stop, within the bound', async () => {
    const current = await inThread(base, {
      initialRoutes: sectorRoutes(base, 20),
      maxIterations: 0,
      seed: 1,
    });
    // One shipment of a route of each depot arrives again (a changed shipment): its route lost a stop.
    const moved = fleet.depots.map((d) => {
      const route = current.routes.find((r) => r.vehicleId.startsWith(`${d.id}-`) && r.stops.length > 2)!;
      return { vehicleId: route.vehicleId, shipmentId: route.stops[1]!.shipmentId };
    });
    const gone = new Set(moved.map((m) => m.shipmentId));
    const warm = Object.fromEntries(
      current.routes.map((r) => [
        r.vehicleId,
        r.stops.map((s) => s.shipmentId).filter((id) => !gone.has(id)),
      ]),
    );
    const input: RoutingInput = { ...base, shipments: [...base.shipments, ...arrivingJobs] };
    const problems: NeighbourhoodProblem[] = [];
    const res = await replanNeighbourhood(
      input,
      {
        routes: current.routes,
        initialRoutes: warm,
        fixedShipments: [],
        changed: new Set(moved.map((m) => m.vehicleId)),
      },
      (problem) => {
        problems.push(problem);
        return inThread(problem.input, {
          initialRoutes: problem.initialRoutes,
          maxIterations: 300,
          seed: 5,
        });
      },
      { maxStops: 200, candidateRoutes: 3 },
      { revision: 1, budgetMs: 30_000, elapsedMs: () => 0, slices: 1 },
    );
    expect(problems).toHaveLength(fleet.depots.length + 1); // 3 depots' searches, then 1 slice
    for (const p of problems) expect(p.input.shipments.length).toBeLessThanOrEqual(200);
    // Each depot's search re-opened its own changed route, warm-started without the moved stop,
    // and got its moved shipment back to plan.
    for (const [i, m] of moved.entries()) {
      const p = problems[i]!;
      expect(p.initialRoutes[m.vehicleId]).toBeDefined();
      expect(p.initialRoutes[m.vehicleId]).not.toContain(m.shipmentId);
      expect(p.input.shipments.map((s) => s.id)).toContain(m.shipmentId);
      for (const other of moved.filter((o) => o !== m))
        expect(p.input.shipments.map((s) => s.id)).not.toContain(other.shipmentId);
    }
    const planned = res.plan.routes.flatMap((r) => r.stops.map((s) => s.shipmentId));
    expect(res.plan.unassigned).toEqual([]);
    expect(planned).toHaveLength(input.shipments.length);
    expect(new Set(planned).size).toBe(input.shipments.length);
    const vehicles = res.plan.routes.map((r) => r.vehicleId);
    expect(new Set(vehicles).size).toBe(vehicles.length);
    expect(res.reopened).toEqual(expect.arrayContaining(moved.map((m) => m.vehicleId)));
  }, 60_000);
});
