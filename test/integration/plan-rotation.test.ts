import { describe, expect, it } from 'vitest';
import type { RoutingEngine } from '../../shared/domain/batching/batching-deps';
import { replanDay } from '../../shared/domain/batching/day-plan';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import { FleetConfig } from '../../shared/schemas/batching';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { ShipmentState } from '../../shared/schemas/state';
import type { RoutingInput, SolveOptions } from '../../shared/solver';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps, realEngine } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

// Issue 10 §6 through the product's own re-plan (replanDay on dynalite, the real engine): a plan
// over the neighbourhood bound (FLEET_CONFIG replan.neighbourhoodStops, 400 by default)
// re-optimizes the new shipments' neighbourhood, then rotation slices of its other routes with the
// budget left (each at most replan.rotationSliceStops, 1,000 by default; one depot's routes here).

const dynamo = dynamoForSuite();

/** Thursday 26 November 2026, 14:00 in Stockholm; the shipments are delivered tomorrow. */
const TODAY_1400 = Date.parse('2026-11-26T13:00:00Z');
const TOMORROW = '2026-11-27';
/** Six depots: each one's routes are a rotation slice of their own (≤ 400 stops), 6 slices in all. */
const DEPOTS = [
  { id: 'ROT-N', lat: 59.37, lon: 18.0 },
  { id: 'ROT-S', lat: 59.28, lon: 18.08 },
  { id: 'ROT-E', lat: 59.33, lon: 18.16 },
  { id: 'ROT-W', lat: 59.33, lon: 17.92 },
  { id: 'ROT-NE', lat: 59.38, lon: 18.12 },
  { id: 'ROT-SW', lat: 59.27, lon: 17.96 },
];
const fleetFor = (region: string, callbacksBeforeCutoff: boolean, bounds: Bounds = {}) =>
  FleetConfig.parse({
    calendar: { timeZone: 'Europe/Stockholm' },
    replan: { movePenalty: 25, callbacksBeforeCutoff, ...bounds },
    regions: {
      [region]: {
        depots: DEPOTS,
        vehicles: DEPOTS.flatMap((d) =>
          Array.from({ length: 4 }, (_, i) => ({
            id: `${d.id}-T${i + 1}`,
            depotId: d.id,
            capacityWeightKg: 2000,
            shiftStart: '07:00',
            shiftEnd: '17:00',
          })),
        ),
      },
    },
  });

/** FLEET_CONFIG's search bounds (the defaults unless a test sets them). */
interface Bounds {
  neighbourhoodStops?: number;
  rotationSliceStops?: number;
}

const BUDGET_MS = 12_000;

let seq = 0;
/** A NEXT_DAY shipment with tomorrow's window, spread over the city around both depots. */
function shipment(region: string, depots: readonly (typeof DEPOTS)[number][] = DEPOTS): ShipmentBody {
  seq++;
  const depot = depots[seq % depots.length] as (typeof DEPOTS)[number];
  const angle = (seq * 2.399963) % (2 * Math.PI); // golden angle: an even spread
  const r = 0.02 + ((seq * 37) % 100) * 0.0012;
  return sampleShipment({
    shipmentId: `ROT-${region}-${seq}`,
    region,
    serviceLevel: 'NEXT_DAY',
    origin: { depotId: depot.id, lat: depot.lat, lon: depot.lon },
    destination: { lat: 59.33 + r * Math.sin(angle), lon: 18.04 + 1.8 * r * Math.cos(angle) },
    timeWindow: { start: '2026-11-27T07:00:00Z', end: '2026-11-27T15:00:00Z' },
    weightKg: 10,
  });
}

interface Call {
  stops: number;
  ids: Set<string>;
  vehicles: string[];
  warmVehicles: string[];
  options: SolveOptions;
}

async function setup(region: string, callbacksBeforeCutoff: boolean, bounds: Bounds = {}) {
  const calls: Call[] = [];
  const engine: RoutingEngine = {
    ...realEngine,
    planRoutes: (input: RoutingInput, options: SolveOptions) => {
      calls.push({
        stops: input.shipments.length,
        ids: new Set(input.shipments.map((s) => s.id)),
        vehicles: input.vehicles.map((v) => v.id),
        warmVehicles: Object.entries(options.initialRoutes ?? {})
          .filter(([, stops]) => (stops as string[]).length > 0)
          .map(([v]) => v),
        options,
      });
      return realEngine.planRoutes(input, options);
    },
  };
  const h = batchingDeps(dynamo.client, { fleet: fleetFor(region, callbacksBeforeCutoff, bounds), engine });
  await h.clock.advance(TODAY_1400 - h.clock.now());
  const states = async (n: number, depots = DEPOTS): Promise<ShipmentState[]> => {
    const out: ShipmentState[] = [];
    for (let i = 0; i < n; i += 50) {
      const chunk = Array.from({ length: Math.min(50, n - i) }, () => shipment(region, depots));
      out.push(
        ...(await Promise.all(
          chunk.map(
            async (body) =>
              (
                await submitShipment({ body, correlationId: 'c', mode: 'create' }, h.deps)
              ).state,
          ),
        )),
      );
    }
    return out;
  };
  return { h, calls, states };
}

const stopIds = (plan: { routes: { stops: { shipmentId: string }[] }[] }) =>
  plan.routes.flatMap((r) => r.stops.map((s) => s.shipmentId));

describe('a re-plan of a plan over 400 stops, through replanDay (issue 10 §6)', () => {
  it('searches the new shipments’ neighbourhood, then rotation slices of the other routes, each ≤ 400 stops; the next revision rotates other routes', async () => {
    const region = 'rot-default';
    const { h, calls, states } = await setup(region, true);
    // The plan so far: 560 stops (one re-plan with a short budget: too short for a rotation).
    h.deps.settings = { ...h.deps.settings, batchBudgetMs: 1500, batchStallIterations: 2000 };
    const first = await replanDay(region, TOMORROW, await states(560), 'B1', 1, h.deps);
    expect(first.revision).toBe(1);
    expect(first.plan.unassigned).toEqual([]);
    expect(new Set(stopIds(first.plan)).size).toBe(560);

    // A window of 20 with a budget that leaves each of the 4 rotation searches ≥ 1 s even when the
    // new shipments' search takes its whole half (a loaded machine: it then stops on time, not on stall).
    h.deps.settings = { ...h.deps.settings, batchBudgetMs: BUDGET_MS };
    calls.length = 0;
    // From two of the six depots: their routes are the neighbourhood, the rotation reaches the others.
    const window2 = await states(20, DEPOTS.slice(0, 2));
    const second = await replanDay(region, TOMORROW, window2, 'B2', 2, h.deps);
    expect(second.revision).toBe(2);
    // The new shipments' neighbourhood, one search per depot they leave from, then ≥ 1 slice.
    const depots2 = new Set(window2.map((s) => s.shipment.origin.depotId)).size;
    expect(depots2).toBe(2);
    expect(calls.length).toBeGreaterThanOrEqual(depots2 + 1);
    for (const c of calls) expect(c.stops).toBeLessThanOrEqual(400);
    const neighbourhoods = calls.slice(0, depots2);
    const slices = calls.slice(depots2);
    // each new shipment in exactly one of them: its own depot's
    for (const s of window2) expect(neighbourhoods.filter((c) => c.ids.has(s.shipmentId))).toHaveLength(1);
    // The slices re-open routes the neighbourhood searches kept as they were.
    const reopened = new Set(neighbourhoods.flatMap((c) => c.warmVehicles));
    const rotated2 = new Set(slices.flatMap((c) => c.warmVehicles));
    expect([...rotated2].some((v) => !reopened.has(v))).toBe(true);
    // Every search of a plan whose callbacks go out before the cutoff pays the move penalty for
    // the shipments the SCM has, the rotation's too.
    for (const c of calls) {
      expect(c.options.movePenalty).toBe(25);
      expect(Object.keys(c.options.currentVehicles ?? {}).length).toBeGreaterThan(0);
    }
    // Nothing lost or doubled, within the budget (plus building matrices and the write).
    const ids2 = stopIds(second.plan);
    expect(new Set(ids2).size).toBe(ids2.length);
    expect(ids2.length + second.plan.unassigned.length).toBe(580);
    expect(second.plan.unassigned).toEqual([]);
    expect(second.solverSeconds).toBeLessThan(BUDGET_MS / 1000 + 3);

    // The next revision's cursor picks other slices: 6 slices, 4 a revision, revision 2 starts at
    // slice 8 mod 6 = 2, revision 3 at 12 mod 6 = 0 (another depot's routes).
    const firstSlice2 = new Set(slices[0]?.warmVehicles);
    calls.length = 0;
    const window3 = await states(10);
    const third = await replanDay(region, TOMORROW, window3, 'B3', 3, h.deps);
    expect(third.revision).toBe(3);
    const depots3 = new Set(window3.map((s) => s.shipment.origin.depotId)).size;
    expect(calls.length).toBeGreaterThanOrEqual(depots3 + 1);
    const firstSlice3 = new Set(calls[depots3]?.warmVehicles);
    expect(firstSlice3.size).toBeGreaterThan(0);
    expect([...firstSlice3].some((v) => !firstSlice2.has(v))).toBe(true);
    expect(new Set(stopIds(third.plan)).size).toBe(590);
    const stored = await h.deps.batches.getRegionPlan(region, TOMORROW);
    expect(stored?.revision).toBe(3);
  }, 120_000);

  it('bounds the new shipments’ searches by replan.neighbourhoodStops and each rotation slice by replan.rotationSliceStops', async () => {
    const region = 'rot-bounds';
    const { h, calls, states } = await setup(region, true, {
      neighbourhoodStops: 60,
      rotationSliceStops: 200,
    });
    h.deps.settings = { ...h.deps.settings, batchBudgetMs: 1500, batchStallIterations: 2000 };
    await replanDay(region, TOMORROW, await states(560), 'B1', 1, h.deps);
    h.deps.settings = { ...h.deps.settings, batchBudgetMs: BUDGET_MS };
    calls.length = 0;
    const window2 = await states(20, DEPOTS.slice(0, 2));
    const next = await replanDay(region, TOMORROW, window2, 'B2', 2, h.deps);
    const neighbourhoods = calls.slice(0, 2);
    const slices = calls.slice(2);
    expect(slices.length).toBeGreaterThan(0);
    for (const c of neighbourhoods) expect(c.stops).toBeLessThanOrEqual(60);
    for (const c of slices) expect(c.stops).toBeLessThanOrEqual(200);
    // A depot's ~93 stops are one slice: more than a neighbourhood may hold.
    expect(Math.max(...slices.map((c) => c.stops))).toBeGreaterThan(60);
    const ids = stopIds(next.plan);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length + next.plan.unassigned.length).toBe(580);
  }, 120_000);

  it('with callbacks held until the cutoff, the rotation moves shipments at no penalty (the SCM has nothing to un-learn)', async () => {
    const region = 'rot-held';
    const { h, calls, states } = await setup(region, false);
    h.deps.settings = { ...h.deps.settings, batchBudgetMs: 1500, batchStallIterations: 2000 };
    await replanDay(region, TOMORROW, await states(450), 'B1', 1, h.deps);
    h.deps.settings = { ...h.deps.settings, batchBudgetMs: BUDGET_MS };
    calls.length = 0;
    const next = await replanDay(region, TOMORROW, await states(10), 'B2', 2, h.deps);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const c of calls) {
      expect(c.stops).toBeLessThanOrEqual(400);
      expect(c.options.movePenalty).toBe(0);
    }
    expect(new Set(stopIds(next.plan)).size).toBe(460);
  }, 120_000);
});
