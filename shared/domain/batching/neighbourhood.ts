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
 * distances rank the routes only; the search uses the engine's matrix. With a budget to share
 * (rotation, before the cutoff) a window reaching several depots is searched one depot at a time,
 * each depot's new shipments with a neighbourhood of their own (solveByDepot): 400 stops are only
 * about five routes of a plan of 5,000, too few for a window spread over the whole region.
 *
 * Rotation (before the cutoff): the routes away from the new shipments would otherwise never be
 * re-optimized, and the plan kept the shape its first windows gave it (too many vehicles, long
 * routes: docs/benchmarks.md, plan growth). With the budget the new shipments' search leaves, the
 * re-plan searches up to `slices` rotation slices of the plan in turn (rotationSlices: each depot's
 * routes swept by angle, cut into slices of at most `maxStops` stops; the cursor is the revision
 * written), each warm-started from the plan so far with the same move penalty, so the re-plan is
 * never worse than the plan with the new shipments inserted and no search exceeds the bound.
 */

export interface NeighbourhoodLimits {
  /** Stops the search may work on: the re-opened routes' stops plus the new shipments. */
  maxStops: number;
  /** Routes per new shipment taken first (the k best by detour). */
  candidateRoutes: number;
}

/**
 * 400 stops (FLEET_CONFIG `replan.neighbourhoodStops`): a matrix of ~160,000 entries and a search
 * that converges well inside a 30 s budget on one core (docs/benchmarks.md, plan growth; 1,000 made
 * plans of up to 1,000 stops worse: they were searched whole); 3 candidates per shipment as in
 * granular search. Rotation slices have a bound of their own (`replan.rotationSliceStops`).
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

/**
 * Rotation (ADR 0005, issue 10 §6): a large plan's routes away from the new shipments are
 * re-optimized too, a slice at a time, so successive windows cover the whole plan. The routes of
 * each depot (depots by id) are ordered by the angle of their stops' centroid around the depot (a
 * sweep; ties by vehicle id) and cut, in that order, into slices of at most `maxStops` stops that
 * never span two depots. A re-plan of revision `revision` takes slice `revision mod slices` — the
 * cursor is the plan's revision, so nothing is stored, a restart changes nothing and, while the plan
 * keeps its shape, every route is in a slice re-opened within `slices` consecutive revisions. A
 * route of more than `maxStops` stops is never re-opened by rotation (the search bound holds).
 */
export function rotationSlices(routes: readonly RouteSite[], maxStops: number): string[][] {
  const byDepot = new Map<string, { vehicleId: string; angle: number; size: number }[]>();
  for (const route of routes) {
    if (route.stops.length === 0 || route.stops.length > maxStops) continue;
    let lat = 0;
    let lon = 0;
    for (const p of route.stops) {
      lat += p.lat;
      lon += p.lon;
    }
    lat /= route.stops.length;
    lon /= route.stops.length;
    const scale = Math.cos((route.start.lat * Math.PI) / 180);
    const angle = Math.atan2(lat - route.start.lat, (lon - route.start.lon) * scale);
    const list = byDepot.get(route.depotId) ?? [];
    list.push({ vehicleId: route.vehicleId, angle, size: route.stops.length });
    byDepot.set(route.depotId, list);
  }
  const slices: string[][] = [];
  for (const depotId of [...byDepot.keys()].sort()) {
    const list = byDepot
      .get(depotId)!
      .sort(
        (a, b) => a.angle - b.angle || (a.vehicleId < b.vehicleId ? -1 : a.vehicleId > b.vehicleId ? 1 : 0),
      );
    let slice: string[] = [];
    let size = 0;
    for (const r of list) {
      if (slice.length > 0 && size + r.size > maxStops) {
        slices.push(slice);
        slice = [];
        size = 0;
      }
      slice.push(r.vehicleId);
      size += r.size;
    }
    if (slice.length > 0) slices.push(slice);
  }
  return slices;
}

/**
 * The vehicles of the rotation slice of `revision` (see rotationSlices), `count` consecutive slices
 * from it when several are asked for (each one a separate search of at most `maxStops` stops).
 */
export function selectRotation(
  routes: readonly RouteSite[],
  revision: number,
  maxStops: number,
  count = 1,
): string[][] {
  const slices = rotationSlices(routes, maxStops);
  if (slices.length === 0 || count <= 0) return [];
  const first = (((Math.trunc(revision) * count) % slices.length) + slices.length) % slices.length;
  const out: string[][] = [];
  for (let i = 0; i < Math.min(count, slices.length); i++) out.push(slices[(first + i) % slices.length]!);
  return out;
}

/** What the search gets: the re-opened part of the plan. */
export interface NeighbourhoodProblem {
  input: RoutingInput;
  /** Warm start and fixed shipments restricted to the re-opened routes. */
  initialRoutes: Readonly<Record<string, readonly string[]>>;
  fixedShipments: readonly string[];
  /**
   * The time this search may take, ms, when the re-plan's budget is shared by several searches
   * (rotation); absent: the whole budget.
   */
  timeLimitMs?: number;
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

/**
 * Rotation of a plan larger than the neighbourhood bound: after the new shipments' search, the
 * rest of the budget re-optimizes `slices` rotation slices of the plan (selectRotation), one search
 * each, every one warm-started from the plan so far (never worse than it) and of at most
 * `maxStops` stops. Never for a frozen plan (nothing may move).
 */
export interface Rotation {
  /** The revision the re-plan writes: the rotation cursor. */
  revision: number;
  /** The re-plan's whole budget, ms, on the clock of `elapsedMs` (the solver's). */
  budgetMs: number;
  /** Ms spent since the re-plan started. */
  elapsedMs: () => number;
  /** Rotation searches after the new shipments' one, at most (default 4). */
  slices?: number;
  /** Share of the budget the new shipments' search may take (default 0.5); the rest is the rotation's. */
  firstShare?: number;
  /** A rotation search is not started with less than this left, ms (default 1,000). */
  minSearchMs?: number;
  /**
   * Kept back from the rotation searches, ms (default 250): each one builds its matrix and the plan
   * is put together outside the engine's time limit, so the re-plan ends within the budget.
   */
  reserveMs?: number;
  /**
   * Stops a rotation slice may hold (default: the neighbourhood bound). Slices never span two
   * depots, so a plan whose depots each hold fewer stops than this is rotated a depot at a time.
   */
  maxStops?: number;
}

export const DEFAULT_ROTATION = { slices: 4, firstShare: 0.5, minSearchMs: 1000, reserveMs: 250 } as const;

/**
 * The rotation of a re-plan writing `revision`: none for a frozen plan (after the dispatch cutoff
 * nothing moves, the new shipments are only inserted).
 */
export function rotationFor(
  frozen: boolean,
  revision: number,
  budgetMs: number,
  elapsedMs: () => number,
  maxStops?: number,
): Rotation | undefined {
  if (frozen) return undefined;
  return { revision, budgetMs, elapsedMs, ...(maxStops !== undefined ? { maxStops } : {}) };
}

export interface NeighbourhoodReplan {
  plan: RoutingPlan;
  /** Vehicles of the routes the search worked on; `undefined` when it had the whole plan. */
  reopened?: string[];
  /** Vehicles of each rotation slice searched after it (none when there was no rotation). */
  rotated: string[][];
  /** Stops the largest search worked on (re-opened routes plus the new shipments). */
  searchedStops: number;
}

interface Part {
  input: RoutingInput;
  /** Routes as planned, by vehicle. */
  planned: Map<string, PlannedRoute>;
  /** Warm start per vehicle with a route. */
  warm: Map<string, readonly string[]>;
  fixedShipments: readonly string[];
  solve: SolveNeighbourhood;
}

/**
 * Solves the re-opened routes (their vehicles', the vehicles without a route and the shipments on
 * no kept route) and puts the kept routes back as they are.
 */
async function solveReopened(
  part: Part,
  reopened: ReadonlySet<string>,
  timeLimitMs: number | undefined,
  leftOut: RoutingPlan['unassigned'] = [],
): Promise<{ plan: RoutingPlan; searched: number }> {
  const { input, planned, warm } = part;
  const kept = new Set([...planned.keys()].filter((v) => !reopened.has(v)));
  const keptShipments = new Set([...kept].flatMap((v) => warm.get(v) ?? []));
  for (const u of leftOut) keptShipments.add(u.shipmentId);
  const initialRoutes: Record<string, string[]> = {};
  for (const v of reopened) setOwnEntry(initialRoutes, v, [...(warm.get(v) ?? [])]);
  const sub: RoutingInput = {
    ...input,
    vehicles: input.vehicles.filter((v) => !kept.has(v.id)),
    shipments: input.shipments.filter((s) => !keptShipments.has(s.id)),
  };
  const solved = await part.solve({
    input: sub,
    initialRoutes,
    fixedShipments: part.fixedShipments.filter((id) => !keptShipments.has(id)),
    ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
  });
  const byVehicle = new Map(solved.routes.map((r) => [r.vehicleId, r]));
  const routes = input.vehicles.flatMap((v) => {
    const r = kept.has(v.id) ? planned.get(v.id) : byVehicle.get(v.id);
    return r && r.stops.length > 0 ? [r] : [];
  });
  return { plan: summarize(routes, [...solved.unassigned, ...leftOut]), searched: sub.shipments.length };
}

/** The selection's view of routes (stop locations of the input's shipments). */
function sitesOf(
  input: RoutingInput,
  routes: Iterable<PlannedRoute>,
  has: (vehicleId: string) => boolean,
  changed: ReadonlySet<string>,
): { sites: RouteSite[]; planned: Map<string, PlannedRoute> } {
  const depots = new Map(input.depots.map((d) => [d.id, d.location]));
  const vehicles = new Map(input.vehicles.map((v) => [v.id, v]));
  const jobs = new Map(input.shipments.map((s) => [s.id, s]));
  const sites: RouteSite[] = [];
  const planned = new Map<string, PlannedRoute>();
  for (const route of routes) {
    const v = vehicles.get(route.vehicleId);
    const start = v && depots.get(v.startDepotId);
    const end = v && depots.get(v.endDepotId ?? v.startDepotId);
    if (!v || !start || !end || !has(v.id)) continue;
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
      changed: changed.has(v.id),
    });
  }
  return { sites, planned };
}

/**
 * The new shipments by origin depot (depots by id), with the depots of routes that lost a stop,
 * when the re-plan has a budget to share (rotation): each depot's new shipments get a neighbourhood
 * of their own of at most `maxStops` stops. One neighbourhood for a whole window spread over the
 * region's depots holds only a few routes of a large plan (400 stops are ~5 routes of 75), so most
 * new shipments could only open new vehicles or join far routes (docs/benchmarks.md, plan growth).
 */
function arrivingByDepot(
  sites: readonly RouteSite[],
  arriving: readonly RoutingInput['shipments'][number][],
): { depotId: string; shipments: RoutingInput['shipments'][number][] }[] {
  const byDepot = new Map<string, RoutingInput['shipments'][number][]>();
  for (const s of arriving) byDepot.set(s.originDepotId, [...(byDepot.get(s.originDepotId) ?? []), s]);
  for (const site of sites) if (site.changed && !byDepot.has(site.depotId)) byDepot.set(site.depotId, []);
  return [...byDepot.keys()].sort().map((depotId) => ({ depotId, shipments: byDepot.get(depotId)! }));
}

/**
 * The new shipments' search, one per depot in turn (arrivingByDepot), each warm-started from the
 * plan so far: a depot's search re-opens the routes of its depot that lost a stop and the routes
 * near its new shipments; the other depots' new shipments wait outside it (unassigned until their
 * own search), so each search holds at most `maxStops` stops however many depots the window reaches.
 */
async function solveByDepot(
  part: Part,
  sites: readonly RouteSite[],
  groups: readonly { depotId: string; shipments: readonly RoutingInput['shipments'][number][] }[],
  limits: NeighbourhoodLimits,
  timeLimitMs: (i: number) => number,
): Promise<{ plan: RoutingPlan; searched: number; reopened: string[] }> {
  const waiting = new Map(
    groups.flatMap((g) =>
      g.shipments.map((s) => [s.id, { shipmentId: s.id, reason: 'capacity' as const }] as const),
    ),
  );
  let unassigned: RoutingPlan['unassigned'] = [];
  let planned = part.planned;
  let warm = part.warm;
  let plan: RoutingPlan | undefined;
  let searched = 0;
  const reopened: string[] = [];
  let depotSites = sites;
  for (const [i, group] of groups.entries()) {
    for (const s of group.shipments) waiting.delete(s.id);
    const mine = depotSites.map((site) => ({
      ...site,
      changed: site.changed && site.depotId === group.depotId,
    }));
    const chosen = selectNeighbourhood(mine, group.shipments, limits);
    const leftOut = [...unassigned, ...waiting.values()];
    const res = await solveReopened({ ...part, planned, warm }, new Set(chosen), timeLimitMs(i), leftOut);
    plan = res.plan;
    searched = Math.max(searched, res.searched);
    reopened.push(...chosen);
    unassigned = plan.unassigned.filter((u) => !waiting.has(u.shipmentId));
    // The searched vehicles take their new routes; the kept ones keep theirs (a kept route that
    // lost a stop keeps its warm start without it, for its own depot's search).
    const kept = new Set([...planned.keys()].filter((v) => !chosen.includes(v)));
    const nextPlanned = new Map([...planned].filter(([v]) => kept.has(v)));
    const nextWarm = new Map([...warm].filter(([v]) => kept.has(v)));
    for (const r of plan.routes)
      if (!kept.has(r.vehicleId)) {
        nextPlanned.set(r.vehicleId, r);
        nextWarm.set(
          r.vehicleId,
          r.stops.map((x) => x.shipmentId),
        );
      }
    planned = nextPlanned;
    warm = nextWarm;
    const changedLeft = new Set(
      sites
        .filter((x) => x.changed && groups.slice(i + 1).some((g) => g.depotId === x.depotId))
        .map((x) => x.vehicleId),
    );
    depotSites = sitesOf(part.input, planned.values(), () => true, changedLeft).sites;
  }
  return { plan: plan!, searched, reopened };
}

/**
 * Re-plans `input` (all vehicles, all shipments: the carried ones and the new ones) by solving only
 * the neighbourhood of the new shipments, then, with `rotation`, rotation slices of the rest of the
 * plan with the budget left. A plan that fits in `limits.maxStops` is solved whole (once, with the
 * whole budget). The routes left out are returned unchanged (the same objects), in vehicle order
 * with the others.
 */
export async function replanNeighbourhood(
  input: RoutingInput,
  current: CurrentRoutes,
  solve: SolveNeighbourhood,
  limits: NeighbourhoodLimits = DEFAULT_NEIGHBOURHOOD,
  rotation?: Rotation,
): Promise<NeighbourhoodReplan> {
  if (input.shipments.length <= limits.maxStops) {
    const plan = await solve({
      input,
      initialRoutes: current.initialRoutes,
      fixedShipments: current.fixedShipments,
    });
    return { plan, rotated: [], searchedStops: input.shipments.length };
  }
  const warm = new Map(Object.entries(current.initialRoutes));
  const { sites, planned } = sitesOf(input, current.routes, (v) => warm.has(v), current.changed);
  const onRoutes = new Set([...warm.values()].flat());
  const arriving = input.shipments.filter((s) => !onRoutes.has(s.id));
  const settings = { ...DEFAULT_ROTATION, ...rotation };
  const part = { input, planned, warm, fixedShipments: current.fixedShipments, solve };
  const firstBudgetMs = rotation ? rotation.budgetMs * settings.firstShare : 0;
  const groups = rotation ? arrivingByDepot(sites, arriving) : [];
  let first: { plan: RoutingPlan; searched: number; reopened: string[] };
  if (groups.length <= 1) {
    const reopened = selectNeighbourhood(sites, arriving, limits);
    const res = await solveReopened(
      part,
      new Set(reopened),
      rotation ? Math.max(0, firstBudgetMs - rotation.elapsedMs()) : undefined,
    );
    first = { ...res, reopened };
  } else {
    first = await solveByDepot(part, sites, groups, limits, (i) =>
      Math.max(0, (firstBudgetMs - rotation!.elapsedMs()) / (groups.length - i)),
    );
  }
  const reopened = first.reopened;
  let plan = first.plan;
  let searchedStops = first.searched;
  const rotated: string[][] = [];
  if (rotation && settings.slices > 0) {
    // The slices are cut from the plan so far (the new shipments are on its routes now).
    const now = sitesOf(input, plan.routes, () => true, new Set());
    const sliceStops = rotation.maxStops ?? limits.maxStops;
    const slices = selectRotation(now.sites, rotation.revision, sliceStops, settings.slices);
    let planned = now.planned;
    for (const [i, slice] of slices.entries()) {
      const left = rotation.budgetMs - settings.reserveMs - rotation.elapsedMs();
      const share = left / (slices.length - i);
      if (share < settings.minSearchMs) break;
      const warmNow = new Map([...planned].map(([v, r]) => [v, r.stops.map((s) => s.shipmentId)]));
      // Unassigned shipments join the search while it holds at most sliceStops; the others stay out.
      const room = sliceStops - slice.reduce((n, v) => n + (warmNow.get(v)?.length ?? 0), 0);
      const leftOut = plan.unassigned.slice(Math.max(0, room));
      const res = await solveReopened({ ...part, planned, warm: warmNow }, new Set(slice), share, leftOut);
      plan = res.plan;
      planned = new Map(plan.routes.map((r) => [r.vehicleId, r]));
      searchedStops = Math.max(searchedStops, res.searched);
      rotated.push(slice);
    }
  }
  return { plan, reopened, rotated, searchedStops };
}
