import type { FleetBookings, RegionPlan } from '../../schemas/batching';
import type { ShipmentState } from '../../schemas/state';
import {
  type DepotInput,
  type PlannedRoute,
  type RoutingInput,
  type RoutingPlan,
  summarize,
  type VehicleInput,
} from '../../solver';
import { wallBudget } from '../clock';
import { ConcurrencyConflictError } from '../errors';
import { ownEntry, setOwnEntry } from '../lookup';
import type { BatchingDeps } from './batching-deps';
import { tracksBookings } from './bookings';
import { depotsFor, toJob, vehiclesFor } from './fleet';
import {
  DEFAULT_NEIGHBOURHOOD,
  replanNeighbourhood,
  rotationFor,
  type SolveNeighbourhood,
} from './neighbourhood';
import { writeNextPlan } from './region-plans';
import { callbacksHeld } from './route-changes';

/**
 * The living plan of a region and service date (contract §3a, ADR 0005): one plan per day with a
 * revision. A closing window re-optimizes it warm-started from its current routes: the window's
 * shipments are inserted into them (cheapest insertion), then the search improves the plan within
 * the batch budget, so the answer is never worse than the current plan with the new shipments
 * inserted. Shipments already in the plan may move, but moving one to another vehicle costs the
 * configured move penalty (`FLEET_CONFIG.replan.movePenalty`: the SCM has its assignment and is
 * told of the move); routes that have left are no longer re-planned and their vehicle is free again
 * when it is back. The conditional write of the new revision is the only commit: a re-plan that lost the
 * race (an URGENT insertion or the other priority's window wrote first) plans again on the new
 * revision.
 */

/** Re-plans of one day after lost races before the job is retried later. */
const MAX_ATTEMPTS = 4;

export interface DayReplan {
  serviceDate: string;
  input: RoutingInput;
  plan: RoutingPlan;
  /** The revision written. */
  revision: number;
  routeIds: Record<string, string>;
  /** Shipment versions of every stop of the plan. */
  versions: ReadonlyMap<string, number>;
  /** Open-route distance of the plan this re-plan started from. */
  previousDistanceMeters: number;
  solverSeconds: number;
  /** Re-plans caused by lost races. */
  conflicts: number;
  /** Vehicles whose open route changed (stops, order or times) from the plan this re-plan started from. */
  changedVehicles: ReadonlySet<string>;
  /** Open routes of the previous plan that lost every stop (their route record must be emptied). */
  emptiedRoutes: readonly { vehicleId: string; routeId: string }[];
  /** The plan is frozen (dispatch cutoff): the new shipments were inserted, nothing moved. */
  frozen: boolean;
  /**
   * Shipments of the plan before (the SCM has their assignment) that fit in it no more, even kept
   * ahead of the new ones: their assignment is withdrawn and the SCM is told (optimizeWindow).
   */
  dropped: readonly { shipmentId: string; reason: string }[];
}

export class PlanBusyError extends ConcurrencyConflictError {}

/** Re-optimizes the plan of (region, serviceDate) with the new shipments and writes its next revision. */
export async function replanDay(
  region: string,
  serviceDate: string,
  arriving: readonly ShipmentState[],
  batchId: string,
  seed: number,
  deps: BatchingDeps,
): Promise<DayReplan> {
  const arrivingIds = new Set(arriving.map((s) => s.shipmentId));
  let solverSeconds = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = Math.ceil(deps.clock.now() / 1000);
    const current = await deps.batches.getRegionPlan(region, serviceDate);
    const carried = carryOver(current, arrivingIds, now);
    const depots = mergeDepots(carried.depots, depotsFor(region, arriving, deps.fleet));
    const vehicles = freeAfter(vehiclesFor(region, depots, deps.fleet, now, serviceDate), carried.dispatched);
    const input: RoutingInput = {
      depots,
      vehicles,
      shipments: [...carried.shipments, ...arriving.map(toJob)],
      planningStart: now,
    };
    const solving = wallBudget(deps.clock);
    const frozen = current?.frozenAt !== undefined;
    const keepTimes = frozen
      ? heldTimes(carried.routes, deps.fleet.replan.etaToleranceMinutes * 60)
      : undefined;
    // Issue 10 §6: a large plan is re-optimized in the neighbourhood of the new shipments only.
    // Before the cutoff the carried shipments may move (a move costs the penalty: the SCM has their
    // assignment); after it (frozen) they stay, each within the ETA tolerance of its final time, and
    // the new ones are only inserted between them (cheapest feasible insertion, no search).
    const fixedShipments = frozen ? carried.shipments.map((s) => s.id) : [];
    // A shipment the SCM has an assignment of is never traded for a new one: on a full day the new
    // ones are left unassigned, not the ones already planned (first come, first served).
    const carriedIds = new Set(carried.shipments.map((s) => s.id));
    const keepCarried = (part: RoutingInput): RoutingInput => ({
      ...part,
      shipments: part.shipments.map((s) =>
        carriedIds.has(s.id) && !s.mustServe ? { ...s, mustServe: true } : s,
      ),
    });
    const revision = (current?.revision ?? 0) + 1;
    // Before the cutoff, a plan larger than the neighbourhood bound also re-optimizes a rotation
    // slice of its other routes with the rest of the budget (the cursor is the revision written).
    const rotation = rotationFor(
      frozen,
      revision,
      deps.settings.batchBudgetMs,
      solving.elapsedMs,
      deps.fleet.replan.rotationSliceStops,
    );
    const solve: SolveNeighbourhood = (part) =>
      deps.engine.planRoutes(keepCarried(keepTimes ? keepTimes(part.input) : part.input), {
        timeLimitMs: part.timeLimitMs ?? deps.settings.batchBudgetMs,
        maxIterationsWithoutImprovement: deps.settings.batchStallIterations,
        seed,
        initialRoutes: part.initialRoutes,
        fixedShipments: part.fixedShipments,
        ...(frozen
          ? { maxIterations: 0 }
          : {
              currentVehicles: carried.currentVehicles,
              // Nothing of the plan is sent before its cutoff: a move costs the SCM nothing.
              movePenalty: callbacksHeld(deps.fleet, region, serviceDate, now * 1000)
                ? 0
                : deps.fleet.replan.movePenalty,
            }),
        ...(deps.matrix ? { matrix: deps.matrix } : {}),
      });
    const { plan } = await replanNeighbourhood(
      input,
      { ...carried, fixedShipments },
      solve,
      { ...DEFAULT_NEIGHBOURHOOD, maxStops: deps.fleet.replan.neighbourhoodStops },
      rotation,
    );
    solverSeconds += solving.elapsedMs() / 1000;

    const routeIds: Record<string, string> = {};
    for (const route of plan.routes) {
      setOwnEntry(routeIds, route.vehicleId, carried.routeIds.get(route.vehicleId) ?? deps.ids.next());
    }
    const versions = new Map(carried.versions);
    for (const s of arriving) versions.set(s.shipmentId, s.version);
    const next = await writeNextPlan(
      region,
      serviceDate,
      current,
      { input, plan, routeIds, batchId, dispatched: carried.dispatched, versions: pick(versions, plan) },
      deps,
    );
    if (next) {
      if (tracksBookings(region, deps)) await bookPlan(region, serviceDate, next, batchId, deps);
      const after = new Map(plan.routes.map((r) => [r.vehicleId, signature(r)]));
      const changedVehicles = new Set(
        [...after].filter(([v, sig]) => carried.signatures.get(v) !== sig).map(([v]) => v),
      );
      const emptiedRoutes = [...carried.routeIds]
        .filter(([v]) => !after.has(v))
        .map(([vehicleId, routeId]) => ({ vehicleId, routeId }));
      return {
        serviceDate,
        input,
        plan,
        revision,
        routeIds,
        versions,
        previousDistanceMeters: carried.distanceMeters,
        solverSeconds,
        conflicts: attempt,
        changedVehicles,
        emptiedRoutes,
        frozen,
        dropped: plan.unassigned.filter((u) => carriedIds.has(u.shipmentId)),
      };
    }
    deps.logger.info('the plan changed while it was re-optimized: planning again on the new revision', {
      region,
      serviceDate,
      revision: revision - 1,
    });
  }
  throw new PlanBusyError(`the plan of ${region} on ${serviceDate} kept changing`);
}

interface Carried {
  depots: DepotInput[];
  shipments: RoutingInput['shipments'];
  initialRoutes: Record<string, string[]>;
  /** The open routes as planned, and the vehicles of those that lost a stop (arriving again). */
  routes: PlannedRoute[];
  changed: Set<string>;
  routeIds: Map<string, string>;
  /** The vehicle each carried shipment is on (the one the SCM has). */
  currentVehicles: Record<string, string>;
  /** Each open route's stops and times, to tell which routes a re-plan changed. */
  signatures: Map<string, string>;
  versions: Map<string, number>;
  dispatched: NonNullable<RegionPlan['dispatched']>;
  distanceMeters: number;
}

/**
 * What a re-plan takes from the current plan: its open routes (warm start) with their shipments,
 * less the shipments arriving again (a newer version, or a re-run of the same window); routes that
 * have left by `now` join the dispatched ones.
 */
function carryOver(current: RegionPlan | undefined, arriving: Set<string>, now: number): Carried {
  const carried: Carried = {
    depots: [],
    shipments: [],
    initialRoutes: {},
    routes: [],
    changed: new Set(),
    routeIds: new Map(),
    currentVehicles: {},
    signatures: new Map(),
    versions: new Map(),
    dispatched: [...(current?.dispatched ?? [])],
    distanceMeters: 0,
  };
  if (!current) return carried;
  const input = current.input as RoutingInput;
  const plan = current.plan as RoutingPlan;
  carried.depots = [...input.depots];
  const jobs = new Map(input.shipments.map((s) => [s.id, s]));
  for (const route of plan.routes) {
    const routeId = ownEntry(current.routeIds, route.vehicleId);
    if (route.stops.length === 0 || !routeId) continue;
    if (route.start <= now) {
      carried.dispatched.push({ vehicleId: route.vehicleId, routeId, start: route.start, end: route.end });
      continue;
    }
    carried.routeIds.set(route.vehicleId, routeId);
    carried.signatures.set(route.vehicleId, signature(route));
    carried.distanceMeters += route.distanceMeters;
    const stops = route.stops.map((s) => s.shipmentId).filter((id) => !arriving.has(id));
    carried.routes.push(route);
    if (stops.length < route.stops.length) carried.changed.add(route.vehicleId);
    setOwnEntry(carried.initialRoutes, route.vehicleId, stops);
    for (const id of stops) {
      const job = jobs.get(id);
      if (job) carried.shipments.push(job);
      setOwnEntry(carried.currentVehicles, id, route.vehicleId);
      const version = current.versions ? ownEntry(current.versions, id) : undefined;
      if (version !== undefined) carried.versions.set(id, version);
    }
  }
  return carried;
}

/**
 * A frozen plan's shipments keep their times: each one's window for the start of service becomes
 * its planned start ± the tolerance (within its own window), so an insertion cannot move it more.
 */
function heldTimes(routes: readonly PlannedRoute[], toleranceSeconds: number) {
  const serviceStart = new Map<string, number>();
  for (const r of routes) for (const s of r.stops) serviceStart.set(s.shipmentId, s.departure);
  return (input: RoutingInput): RoutingInput => ({
    ...input,
    shipments: input.shipments.map((job) => {
      const end = serviceStart.get(job.id);
      if (end === undefined) return job;
      const start = end - Math.round(job.serviceSeconds);
      const window = {
        start: Math.max(job.timeWindow?.start ?? Number.NEGATIVE_INFINITY, start - toleranceSeconds),
        end: Math.min(job.timeWindow?.end ?? Number.POSITIVE_INFINITY, start + toleranceSeconds),
      };
      return { ...job, timeWindow: window };
    }),
  });
}

/**
 * The current plan as an insertion into it sees it (contract §3a: a vehicle has one route at a
 * time): routes that have left by `now` become dispatched ones and their shipments leave the input,
 * their vehicles are offered again from when they are back at the depot (while their shift lasts),
 * and their route ids are no longer the vehicles' (the next route of a vehicle is a route of its
 * own). An URGENT insertion without this never reused a vehicle that had left once: a depot's
 * default fleet was used up by its first routes of the day, and every later SAME_DAY shipment found
 * `no_vehicle`.
 */
export function retireDeparted(
  current: RegionPlan,
  now: number,
): {
  input: RoutingInput;
  plan: RoutingPlan;
  routeIds: Record<string, string>;
  dispatched: NonNullable<RegionPlan['dispatched']>;
} {
  const carried = carryOver(current, new Set(), now);
  const input = current.input as RoutingInput;
  const plan = current.plan as RoutingPlan;
  const routeIds: Record<string, string> = {};
  for (const [vehicleId, routeId] of carried.routeIds) setOwnEntry(routeIds, vehicleId, routeId);
  const onRoutes = new Set(carried.shipments.map((s) => s.id));
  const departed = new Set(
    plan.routes
      .filter((r) => r.stops.length > 0 && r.start <= now)
      .flatMap((r) => r.stops.map((s) => s.shipmentId)),
  );
  const routes = plan.routes.filter((r) => r.stops.length > 0 && r.start > now);
  return {
    input: {
      ...input,
      vehicles: freeAfter(input.vehicles, carried.dispatched),
      // Shipments on no route (unassigned ones) stay; those on departed routes are done with.
      shipments: input.shipments.filter((s) => onRoutes.has(s.id) || !departed.has(s.id)),
    },
    plan: summarize(routes, plan.unassigned),
    routeIds,
    dispatched: carried.dispatched,
  };
}

/** A route's stops with their times: equal signatures, same route. */
const signature = (route: PlannedRoute) => route.stops.map((s) => `${s.shipmentId}@${s.arrival}`).join(' ');

/** Vehicles whose route of the day has left are free again when it is back (one route at a time). */
function freeAfter(vehicles: VehicleInput[], dispatched: Carried['dispatched']): VehicleInput[] {
  const back = new Map<string, number>();
  for (const d of dispatched) back.set(d.vehicleId, Math.max(back.get(d.vehicleId) ?? 0, d.end));
  return vehicles.flatMap((v) => {
    const start = Math.max(v.shiftStart, back.get(v.id) ?? Number.NEGATIVE_INFINITY);
    return start < v.shiftEnd ? [{ ...v, shiftStart: start }] : [];
  });
}

function mergeDepots(known: DepotInput[], seen: DepotInput[]): DepotInput[] {
  const ids = new Set(known.map((d) => d.id));
  return [...known, ...seen.filter((d) => !ids.has(d.id))];
}

function pick(versions: ReadonlyMap<string, number>, plan: RoutingPlan): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of plan.routes)
    for (const s of r.stops) {
      const version = versions.get(s.shipmentId);
      if (version !== undefined) setOwnEntry(out, s.shipmentId, version);
    }
  return out;
}

/**
 * A configured fleet's bookings follow the plan (ADR 0004, 0005): each vehicle is out until the end
 * of its last route of the day, so an URGENT insertion sees what the plan gives it.
 */
async function bookPlan(
  region: string,
  serviceDate: string,
  plan: RegionPlan,
  batchId: string,
  deps: Pick<BatchingDeps, 'batches'>,
): Promise<void> {
  const vehicles = new Map((plan.input as RoutingInput).vehicles.map((v) => [v.id, v]));
  const until = new Map<string, number>();
  for (const d of plan.dispatched ?? []) until.set(d.vehicleId, Math.max(until.get(d.vehicleId) ?? 0, d.end));
  for (const route of (plan.plan as RoutingPlan).routes) {
    const v = vehicles.get(route.vehicleId);
    const busy = v?.endDepotId && v.endDepotId !== v.startDepotId ? v.shiftEnd : route.end;
    until.set(route.vehicleId, Math.max(until.get(route.vehicleId) ?? 0, busy));
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.batches.getBookings(region, serviceDate);
    const next: FleetBookings = { region, serviceDate, revision: current.revision + 1, vehicles: {} };
    for (const [vehicleId, end] of until) {
      setOwnEntry(next.vehicles, vehicleId, {
        until: end,
        previous: ownEntry(current.vehicles, vehicleId)?.until ?? 0,
        batchId,
      });
    }
    if (await deps.batches.putBookings(next)) return;
  }
  throw new ConcurrencyConflictError(`vehicle bookings of ${region} on ${serviceDate} kept changing`);
}
