import {
  type GeoPoint,
  type PlannedRoute,
  type RoutingInput,
  type RoutingPlan,
  summarize,
} from '../../solver';
import { greatCircleKm } from '../geo';
import { setOwnEntry } from '../lookup';

/**
 * Neighbourhood re-optimization of a large living plan (issue 10 §6, ADR 0005): a re-plan works on
 * the routes near the new and changed shipments, not on the whole plan, so it stays within the batch
 * budget however many stops the day holds. The routes outside the neighbourhood are carried as they
 * are (the same objects) and their vehicles are left out of the search, so no vehicle is given a
 * second route; the vehicles without a route are all offered.
 *
 * Which routes: every route that lost a stop (a changed shipment arriving again) — it must be
 * re-timed; then, for each new shipment, the `candidateRoutes` routes of its origin depot where it
 * fits best (granular criterion: the smallest great-circle detour of putting it between two
 * consecutive points of the route, depots included), best candidates first; then the other routes
 * of those depots by their best detour for any new shipment — the routes near the new ones — while
 * the neighbourhood (its routes' stops plus the new shipments) holds at most `maxStops`. Great-circle
 * distances rank the routes only; the search uses the engine's matrix.
 */

export interface NeighbourhoodLimits {
  /** Stops the search may work on: the re-opened routes' stops plus the new shipments. */
  maxStops: number;
  /** Routes per new shipment taken first (the k best by detour). */
  candidateRoutes: number;
}

/**
 * 400 stops: a matrix of ~160,000 entries and a search that converges well inside a 30 s budget on
 * one core (docs/benchmarks.md, plan growth); 3 candidates per shipment as in granular search.
 */
export const DEFAULT_NEIGHBOURHOOD: NeighbourhoodLimits = { maxStops: 400, candidateRoutes: 3 };

/** A route of the current plan as the selection sees it. */
export interface RouteSite {
  vehicleId: string;
  depotId: string;
  start: GeoPoint;
  end: GeoPoint;
  /** Stop locations in route order. */
  stops: readonly GeoPoint[];
  /** The route lost a stop (its shipment arrives again): it is always re-opened. */
  changed: boolean;
}

export interface NewStop {
  originDepotId: string;
  destination: GeoPoint;
}

/** The vehicle ids of the routes to re-open, in the order they were chosen. */
export function selectNeighbourhood(
  routes: readonly RouteSite[],
  arriving: readonly NewStop[],
  limits: NeighbourhoodLimits = DEFAULT_NEIGHBOURHOOD,
): string[] {
  const chosen: string[] = [];
  const taken = new Set<number>();
  let size = arriving.length;
  const take = (r: number, always = false) => {
    const route = routes[r]!;
    if (taken.has(r) || (!always && size + route.stops.length > limits.maxStops)) return;
    taken.add(r);
    chosen.push(route.vehicleId);
    size += route.stops.length;
  };
  routes.forEach((route, r) => {
    if (route.changed) take(r, true);
  });

  // detour[s][r]: the cheapest great-circle detour of new shipment s on route r (same depot only).
  const byDepot = new Map<string, number[]>();
  routes.forEach((route, r) => {
    byDepot.set(route.depotId, [...(byDepot.get(route.depotId) ?? []), r]);
  });
  const nearest = new Map<number, number>();
  const ranked = arriving.map((s) => {
    const scored = (byDepot.get(s.originDepotId) ?? []).map((r) => {
      const d = detourKm(routes[r]!, s.destination);
      nearest.set(r, Math.min(nearest.get(r) ?? Number.POSITIVE_INFINITY, d));
      return { r, d };
    });
    return scored.sort((a, b) => a.d - b.d || a.r - b.r).slice(0, limits.candidateRoutes);
  });
  // Best candidates first: rank 0 of every shipment, then rank 1, ...; within a rank the routes that
  // more shipments name come first (one route can take several of them), then the smaller detour.
  for (let rank = 0; rank < limits.candidateRoutes; rank++) {
    const votes = new Map<number, { n: number; d: number }>();
    for (const list of ranked) {
      const c = list[rank];
      if (!c) continue;
      const v = votes.get(c.r) ?? { n: 0, d: Number.POSITIVE_INFINITY };
      votes.set(c.r, { n: v.n + 1, d: Math.min(v.d, c.d) });
    }
    const order = [...votes].sort(([ra, a], [rb, b]) => b.n - a.n || a.d - b.d || ra - rb);
    for (const [r] of order) take(r);
  }
  // Then the routes near the new shipments, nearest first, while they fit.
  const rest = [...nearest].sort(([ra, a], [rb, b]) => a - b || ra - rb);
  for (const [r] of rest) take(r);
  return chosen;
}

/** Smallest d(a,c) + d(c,b) − d(a,b) over the consecutive points a, b of the route (depots included). */
export function detourKm(route: RouteSite, c: GeoPoint): number {
  let best = Number.POSITIVE_INFINITY;
  let a = route.start;
  for (let i = 0; i <= route.stops.length; i++) {
    const b = i < route.stops.length ? route.stops[i]! : route.end;
    const d = greatCircleKm(a, c) + greatCircleKm(c, b) - greatCircleKm(a, b);
    if (d < best) best = d;
    a = b;
  }
  return Math.max(0, best);
}

/** What the search gets: the re-opened part of the plan. */
export interface NeighbourhoodProblem {
  input: RoutingInput;
  /** Warm start and fixed shipments restricted to the re-opened routes. */
  initialRoutes: Readonly<Record<string, readonly string[]>>;
  fixedShipments: readonly string[];
}

export type SolveNeighbourhood = (problem: NeighbourhoodProblem) => Promise<RoutingPlan>;

export interface CurrentRoutes {
  /** The open routes of the current plan as they were planned. */
  routes: readonly PlannedRoute[];
  /** Warm start per vehicle (the routes less the shipments arriving again). */
  initialRoutes: Readonly<Record<string, readonly string[]>>;
  fixedShipments: readonly string[];
  /** Vehicles whose route lost a stop. */
  changed: ReadonlySet<string>;
}

export interface NeighbourhoodReplan {
  plan: RoutingPlan;
  /** Vehicles of the routes the search worked on; `undefined` when it had the whole plan. */
  reopened?: string[];
  /** Stops the search worked on (re-opened routes plus the new shipments). */
  searchedStops: number;
}

/**
 * Re-plans `input` (all vehicles, all shipments: the carried ones and the new ones) by solving only
 * the neighbourhood of the new shipments. A plan that fits in `limits.maxStops` is solved whole.
 * The routes left out are returned unchanged (the same objects), in vehicle order with the others.
 */
export async function replanNeighbourhood(
  input: RoutingInput,
  current: CurrentRoutes,
  solve: SolveNeighbourhood,
  limits: NeighbourhoodLimits = DEFAULT_NEIGHBOURHOOD,
): Promise<NeighbourhoodReplan> {
  const whole = () => ({
    input,
    initialRoutes: current.initialRoutes,
    fixedShipments: current.fixedShipments,
  });
  if (input.shipments.length <= limits.maxStops) {
    return { plan: await solve(whole()), searchedStops: input.shipments.length };
  }
  const warm = new Map(Object.entries(current.initialRoutes));
  const depots = new Map(input.depots.map((d) => [d.id, d.location]));
  const vehicles = new Map(input.vehicles.map((v) => [v.id, v]));
  const jobs = new Map(input.shipments.map((s) => [s.id, s]));
  const sites: RouteSite[] = [];
  const planned = new Map<string, PlannedRoute>();
  for (const route of current.routes) {
    const v = vehicles.get(route.vehicleId);
    const start = v && depots.get(v.startDepotId);
    const end = v && depots.get(v.endDepotId ?? v.startDepotId);
    if (!v || !start || !end || !warm.has(v.id)) continue;
    planned.set(v.id, route);
    sites.push({
      vehicleId: v.id,
      depotId: v.startDepotId,
      start,
      end,
      stops: route.stops.flatMap((s) => {
        const job = jobs.get(s.shipmentId);
        return job ? [job.destination] : [];
      }),
      changed: current.changed.has(v.id),
    });
  }
  const onRoutes = new Set([...warm.values()].flat());
  const arriving = input.shipments.filter((s) => !onRoutes.has(s.id));
  const reopened = new Set(selectNeighbourhood(sites, arriving, limits));
  const kept = new Set([...planned.keys()].filter((v) => !reopened.has(v)));
  const keptShipments = new Set([...kept].flatMap((v) => warm.get(v) ?? []));
  const initialRoutes: Record<string, string[]> = {};
  for (const v of reopened) setOwnEntry(initialRoutes, v, [...(warm.get(v) ?? [])]);
  const sub: RoutingInput = {
    ...input,
    vehicles: input.vehicles.filter((v) => !kept.has(v.id)),
    shipments: input.shipments.filter((s) => !keptShipments.has(s.id)),
  };
  const solved = await solve({
    input: sub,
    initialRoutes,
    fixedShipments: current.fixedShipments.filter((id) => !keptShipments.has(id)),
  });
  const byVehicle = new Map(solved.routes.map((r) => [r.vehicleId, r]));
  const routes = input.vehicles.flatMap((v) => {
    const r = kept.has(v.id) ? planned.get(v.id) : byVehicle.get(v.id);
    return r && r.stops.length > 0 ? [r] : [];
  });
  return {
    plan: summarize(routes, solved.unassigned),
    reopened: [...reopened],
    searchedStops: sub.shipments.length,
  };
}
