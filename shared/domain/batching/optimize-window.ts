import type { BatchJob, BatchRecord, BatchWindow, RouteRecord } from '../../schemas/batching';
import { ROUTE_OPTIMIZED, type RouteOptimizedDetail } from '../../schemas/events';
import type { RouteAssignment, ShipmentState, StatePatch } from '../../schemas/state';
import type { PlannedRoute, RoutingInput } from '../../solver';
import { calendarOf, nextWorkingDay } from '../calendar';
import { isoAt, wallBudget } from '../clock';
import { mapBounded, STORE_CONCURRENCY } from '../concurrency';
import { DependencyError } from '../errors';
import { ownEntry } from '../lookup';
import { transition, transitionAt } from '../transitions';
import { type DayReplan, replanDay } from './day-plan';
import type { BatchingDeps } from './dependencies';
import { serviceDateOf, toJob } from './fleet';
import { assignmentOf, tellRouteChanges } from './route-changes';
import { giveUpShipment } from './unplanned';

export class RegionBusyError extends DependencyError {
  override readonly code = 'region-busy';
}

const optimizingReason = (windowId: string) => `optimizing in window ${windowId}`;
const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

export type OptimizeOutcome = { kind: 'noop'; reason: string } | { kind: 'optimized'; batch: BatchRecord };

/**
 * Optimizes one closed window: its waiting shipments become OPTIMIZING, the engine plans them
 * together within the batch budget, and each result is written only if the shipment still has the
 * version that was optimized; the others become STALE and go into the next window. One optimization
 * per region and priority at a time (a lease); re-running a window is safe.
 */
export async function optimizeWindow(job: BatchJob, deps: BatchingDeps): Promise<OptimizeOutcome> {
  const spent = wallBudget(deps.clock);
  const window = await deps.windows.get(job.windowId);
  if (!window || window.status === 'CLOSED') return { kind: 'noop', reason: 'window already optimized' };
  if (window.status === 'OPEN') return { kind: 'noop', reason: 'window still open' };
  if (window.status === 'FAILED') return { kind: 'noop', reason: 'window given up' };
  // This job is alive (SQS brings it back after a failure): the tick must not send it again meanwhile.
  await deps.windows.recordAttempt(
    window.windowId,
    new Date(deps.clock.now() + deps.settings.jobRetryMs).toISOString(),
  );
  const lockName = `optimize#${window.priority}#${window.region}`;
  const owner = `${window.windowId}#${deps.ids.next()}`; // one owner per run: a re-sent job cannot re-enter
  const ttl = deps.settings.optimizeLeaseMs;
  if (!(await deps.locks.acquire(lockName, owner, ttl))) {
    throw new RegionBusyError(`another optimization of ${window.region}/${window.priority} is running`);
  }
  try {
    const startedAt = isoAt(deps.clock);
    const members = await deps.windows.members(window.windowId);
    const claimed = await mapBounded(members, STORE_CONCURRENCY, async (member) => {
      const state = await deps.store.get(member.shipmentId);
      if (!state || state.version !== member.version) return undefined;
      if (state.status === 'OPTIMIZING' && state.statusReason === optimizingReason(window.windowId)) {
        return state; // a previous run of this window died half-way
      }
      if (state.status !== 'QUEUED' && state.status !== 'STALE') return undefined;
      const written = await transitionAt(deps, state, {
        type: 'shipment.optimizing',
        to: 'OPTIMIZING',
        version: state.version,
        correlationId: state.correlationId,
        patch: { statusReason: optimizingReason(window.windowId) },
      });
      return written?.state; // undefined: another writer moved it first
    });
    const optimizing = claimed.filter((s): s is ShipmentState => s !== undefined);
    if (optimizing.length === 0) {
      await deps.windows.markClosed(window.windowId, isoAt(deps.clock));
      return { kind: 'noop', reason: 'no shipment still waiting' };
    }

    const batchId = deps.ids.next();
    // Contract §3a: each service date's living plan takes the window's shipments of that date.
    const days: PlannedDay[] = [];
    for (const [serviceDate, states] of byServiceDate(optimizing, deps)) {
      const day = await replanDay(
        window.region,
        serviceDate,
        states,
        batchId,
        hashSeed(window.windowId),
        deps,
      );
      const own: RoutingInput = { ...day.input, shipments: states.map(toJob) };
      const solo = await deps.engine.soloDistanceMeters(own, deps.matrix);
      days.push({ ...day, solo });
    }

    const optimizedAt = isoAt(deps.clock);
    const byId = new Map(optimizing.map((s) => [s.shipmentId, s]));
    const dayOfRoute = new Map<string, string>();
    const revisionOf = new Map<string, number>();
    const frozenRoutes = new Set<string>();
    // The routes this window changed: those its shipments joined and those the re-plan changed.
    const planned = days.flatMap((day) =>
      day.plan.routes
        .filter((r) => r.stops.some((st) => byId.has(st.shipmentId)) || day.changedVehicles.has(r.vehicleId))
        .map((r) => {
          const record = routeRecord(
            r,
            batchId,
            window.region,
            ownEntry(day.routeIds, r.vehicleId) ?? deps.ids.next(),
            day.input,
            (id) => byId.get(id)?.version ?? day.versions.get(id),
            optimizedAt,
          );
          dayOfRoute.set(record.routeId, day.serviceDate);
          revisionOf.set(record.routeId, day.revision);
          if (day.frozen) frozenRoutes.add(record.routeId);
          return record;
        }),
    );
    // Routes exist before any route.optimized event names them.
    await deps.batches.putRoutes(planned);
    await emptyRoutes(
      days.flatMap((d) => d.emptiedRoutes.map((r) => r.routeId)),
      optimizedAt,
      deps,
    );
    // Contract §3a: the shipments of the plan the re-plan moved are told (before the new ones are
    // applied, so a run that dies here is run again and tells them then).
    for (const day of days) {
      await tellRouteChanges(
        planned.filter((r) => dayOfRoute.get(r.routeId) === day.serviceDate),
        {
          serviceDate: day.serviceDate,
          revision: day.revision,
          batchId,
          optimizedAt,
          firstAssigned: new Set(byId.keys()),
        },
        deps,
      );
    }

    // Each new shipment's result is its own conditional write: they are written side by side.
    const results = planned.flatMap((route) =>
      route.stops
        .filter((stop) => byId.has(stop.shipmentId)) // the others are already in the plan: their assignment stands
        .map((stop) => ({ route, stop })),
    );
    const written = await mapBounded(results, STORE_CONCURRENCY, ({ route, stop }) => {
      const assignment: RouteAssignment = {
        ...assignmentOf(route, stop, { batchId, optimizedAt, revision: revisionOf.get(route.routeId) ?? 1 }),
        // Inserted into a frozen plan: nothing moves it any more (contract §3a).
        ...(frozenRoutes.has(route.routeId) ? { final: true } : {}),
      };
      return applyResult(stop.shipmentId, stop.version, assignment, deps);
    });
    const stale = results.filter((_, i) => !written[i]).map(({ stop }) => stop.shipmentId);
    // A route keeps only the stops whose result was applied (a stale one is re-planned elsewhere).
    const pruned = planned.map((r) => ({
      ...r,
      stops: r.stops.filter((st) => !stale.includes(st.shipmentId)),
    }));
    if (stale.length > 0)
      await deps.batches.putRoutes(pruned.filter((r, i) => r.stops.length !== planned[i]?.stops.length));
    const routes = pruned.filter((r) => r.stops.length > 0);
    const unassigned = days.flatMap((d) => d.plan.unassigned.filter((u) => byId.has(u.shipmentId)));
    const frozenDays = new Set(days.filter((d) => d.frozen).map((d) => d.serviceDate));
    for (const day of days)
      for (const u of day.plan.unassigned.filter((x) => byId.has(x.shipmentId))) {
        const claimedState = byId.get(u.shipmentId);
        const version = claimedState?.version ?? 0;
        if (claimedState && (await spillEconomy(claimedState, day.serviceDate, u.reason, deps))) continue;
        if (frozenDays.has(day.serviceDate))
          await leaveAfterCutoff(u.shipmentId, version, day, u.reason, deps);
        else await leaveUnassigned(u.shipmentId, version, u.reason, deps);
      }
    const plan = {
      // What the window added to its days' plans.
      distanceMeters: days.reduce(
        (a, d) => a + Math.max(0, d.plan.distanceMeters - d.previousDistanceMeters),
        0,
      ),
      vehiclesUsed: new Set(routes.map((r) => `${dayOfRoute.get(r.routeId)}#${r.vehicleId}`)).size,
      unassigned,
    };
    const solo = days.reduce((a, d) => a + d.solo, 0);
    const solverSeconds = days.reduce((a, d) => a + d.solverSeconds, 0);

    const batch: BatchRecord = {
      batchId,
      kind: 'window',
      windowId: window.windowId,
      region: window.region,
      priority: window.priority,
      serviceDates: days.map((d) => d.serviceDate),
      plans: days.map((d) => ({
        serviceDate: d.serviceDate,
        revision: d.revision,
        distanceMeters: d.plan.distanceMeters,
        cost: d.plan.cost,
        stops: d.plan.routes.reduce((n, r) => n + r.stops.length, 0),
      })),
      shipmentIds: optimizing.map((s) => s.shipmentId),
      routeIds: routes.map((r) => r.routeId),
      optimized: optimizing.length - stale.length - plan.unassigned.length,
      stale,
      unassigned: plan.unassigned.map((u) => ({ shipmentId: u.shipmentId, reason: u.reason })),
      distanceMeters: plan.distanceMeters,
      soloDistanceMeters: solo,
      consolidationGainPct: solo > 0 ? (1 - plan.distanceMeters / solo) * 100 : 0,
      vehiclesUsed: plan.vehiclesUsed,
      solverSeconds,
      startedAt,
      finishedAt: isoAt(deps.clock),
    };
    await deps.batches.putBatch(batch);
    await deps.windows.markClosed(window.windowId, isoAt(deps.clock));
    deps.metrics.batchOptimized({
      priority: window.priority,
      region: window.region,
      shipments: optimizing.length,
      stale: stale.length,
      unassigned: plan.unassigned.length,
      solverSeconds,
      seconds: spent.elapsedMs() / 1000,
      consolidationGainPct: batch.consolidationGainPct,
    });
    deps.logger.info('window optimized', {
      batchId,
      windowId: window.windowId,
      region: window.region,
      shipments: optimizing.length,
      routes: routes.length,
      stale: stale.length,
      consolidationGainPct: Number(batch.consolidationGainPct.toFixed(1)),
    });
    return { kind: 'optimized', batch };
  } finally {
    await deps.locks.release(lockName, owner);
  }
}

/**
 * One receive of a batch job. A failed run keeps its error on the window and fails the job, which
 * SQS brings back after its visibility timeout; on the last receive (then the job goes to its DLQ)
 * the window is given up: FAILED, its waiting shipments released with the reason. A busy region is
 * not a failure of the window, nor a failed receive: the job is sent again with a delay (about one
 * batch budget, wall time) and this message is done, so waiting for a region never drives a job
 * towards its DLQ (the tick re-sends it if it is lost).
 */
export async function runBatchJob(
  job: BatchJob,
  receive: { count: number; max: number },
  deps: BatchingDeps,
): Promise<OptimizeOutcome | { kind: 'deferred'; delaySeconds: number; reason: string }> {
  try {
    return await optimizeWindow(job, deps);
  } catch (error) {
    if (error instanceof RegionBusyError) {
      const delaySeconds = Math.min(900, Math.max(1, Math.ceil(deps.settings.batchBudgetMs / 1000)));
      await deps.jobs.enqueue(job, { delaySeconds });
      deps.logger.info('region busy: batch job sent again later', {
        windowId: job.windowId,
        region: job.region,
        delaySeconds,
        reason: error.message,
      });
      return { kind: 'deferred', delaySeconds, reason: error.message };
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await deps.windows.recordError(job.windowId, message);
    if (receive.count >= receive.max) {
      const window = await deps.windows.get(job.windowId);
      if (window?.status === 'CLOSING') {
        await abandonWindow(
          window,
          `its optimization failed on ${receive.count} attempts (${message})`,
          deps,
        );
      }
    }
    throw error;
  }
}

/**
 * Gives a CLOSING window up (one winner): FAILED with the reason, and each member still waiting for
 * it (QUEUED, or OPTIMIZING in this window) is given up with the reason (giveUpShipment), so
 * nothing stays QUEUED or OPTIMIZING forever behind a window that cannot be optimized.
 */
export async function abandonWindow(
  window: BatchWindow,
  reason: string,
  deps: BatchingDeps,
): Promise<boolean> {
  if (!(await deps.windows.markFailed(window.windowId, reason, isoAt(deps.clock)))) return false;
  deps.logger.error('window given up', {
    windowId: window.windowId,
    region: window.region,
    priority: window.priority,
    reason,
  });
  for (const member of await deps.windows.members(window.windowId)) {
    const state = await deps.store.get(member.shipmentId);
    if (!state || state.version !== member.version) continue;
    const waiting =
      state.status === 'QUEUED' ||
      (state.status === 'OPTIMIZING' && state.statusReason === optimizingReason(window.windowId));
    if (waiting) await giveUpShipment(state, `window ${window.windowId} was given up: ${reason}`, deps);
  }
  return true;
}

interface PlannedDay extends DayReplan {
  solo: number;
}

/** The window's shipments per service date, earliest date first. */
function byServiceDate(states: readonly ShipmentState[], deps: BatchingDeps): [string, ShipmentState[]][] {
  const groups = new Map<string, ShipmentState[]>();
  for (const state of states) {
    const date = serviceDateOf(state, deps.fleet);
    groups.set(date, [...(groups.get(date) ?? []), state]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/**
 * Writes one optimization result if the shipment still has the optimized version and is still
 * OPTIMIZING (conditional on its revision), and answers the state it wrote. Otherwise the result is stale: a shipment waiting with
 * a newer version is marked STALE and re-queued for the next window; the result is discarded.
 */
export async function applyResult(
  shipmentId: string,
  version: number,
  assignment: RouteAssignment,
  deps: BatchingDeps,
): Promise<ShipmentState | undefined> {
  const outcome = await transition<ShipmentState | undefined>(deps, shipmentId, (state) => {
    if (!state) return { stop: undefined };
    if (state.status !== 'OPTIMIZING' || state.version !== version) return { stop: state };
    const detail: Omit<RouteOptimizedDetail, 'eventId'> = {
      shipmentId,
      version,
      correlationId: state.correlationId,
      region: state.region,
      priority: state.priority,
      ...assignment,
    };
    return {
      write: {
        type: 'shipment.optimized',
        to: 'OPTIMIZED',
        version,
        correlationId: state.correlationId,
        patch: { route: assignment, statusReason: null, unassignedWindows: null },
        busEvent: { detailType: ROUTE_OPTIMIZED, detail },
      },
    };
  });
  if (outcome.kind === 'committed') return outcome.state;
  const state = outcome.value;
  if (state) {
    deps.metrics.staleResult();
    await markStale(
      state,
      `the result for version ${version} is stale: version ${state.version} is ${state.status}`,
      deps,
    );
  }
  return undefined;
}

/** A newer version is waiting (QUEUED): record the stale result and send it to the next window. */
async function markStale(state: ShipmentState, reason: string, deps: BatchingDeps): Promise<void> {
  if (state.status === 'QUEUED') await staleAndRequeue(state, reason, 're-queued for the next window', deps);
}

/**
 * STALE with the reason, then QUEUED again with a `shipment.requeued` bus message (its priority
 * queue, hence the next window). Losing the optimistic lock means someone else moved it: nothing to do.
 */
export async function staleAndRequeue(
  state: ShipmentState,
  reason: string,
  requeueReason: string,
  deps: BatchingDeps,
  patch: { route?: null } = {},
): Promise<void> {
  const stale = await transitionAt(deps, state, {
    type: 'shipment.stale',
    to: 'STALE',
    version: state.version,
    correlationId: state.correlationId,
    patch: { statusReason: reason, ...patch },
  });
  if (!stale) return;
  await transitionAt(deps, stale.state, {
    type: 'shipment.requeued',
    to: 'QUEUED',
    version: stale.state.version,
    correlationId: stale.state.correlationId,
    patch: { statusReason: requeueReason },
    busEvent: 'shipment.requeued',
  });
}

/** Reasons that mean the day has no room left for the shipment (not that it can never be planned). */
const DAY_FULL: readonly string[] = ['capacity', 'shift', 'no_vehicle', 'time_window'];

/**
 * Contract §3a: an ECONOMY shipment without a time window whose day is full moves to the next
 * working day of its region, at most `FLEET_CONFIG.economySpillDays` times: QUEUED again with the
 * new `serviceDate` (GET shows it), so the next window plans it into that day's plan. A frozen day
 * counts as full too. False when it is not such a shipment (or has moved as often as it may).
 */
async function spillEconomy(
  claimed: ShipmentState,
  serviceDate: string,
  why: string,
  deps: BatchingDeps,
): Promise<boolean> {
  // Decided on the state this run claimed (its body and moves are those of the version optimized),
  // so only a shipment that may move is read again.
  if (!DAY_FULL.includes(why)) return false;
  if (claimed.shipment.serviceLevel !== 'ECONOMY' || claimed.shipment.timeWindow) return false;
  const moves = claimed.serviceDateMoves ?? 0;
  if (moves >= deps.fleet.economySpillDays) return false;
  const state = await deps.store.get(claimed.shipmentId);
  if (state?.status !== 'OPTIMIZING' || state.version !== claimed.version) return false;
  const next = nextWorkingDay(serviceDate, calendarOf(state.region, deps.fleet));
  await requeueForNextWindow(
    state,
    {
      serviceDate: next,
      serviceDateMoves: moves + 1,
      unassignedWindows: null,
      statusReason: `economy: the plan of ${serviceDate} is full (${why}); moved to ${next}, the next working day (move ${moves + 1} of at most ${deps.fleet.economySpillDays})`,
    },
    deps,
  );
  deps.logger.info('economy shipment moved to the next working day: its day is full', {
    shipmentId: state.shipmentId,
    from: serviceDate,
    to: next,
    reason: why,
  });
  return true;
}

/**
 * Contract §3a: a shipment for a day whose plan is frozen that fits on no route without moving the
 * others is given up at once with the reason `after_cutoff` (the SCM gets shipment.unassigned).
 */
async function leaveAfterCutoff(
  shipmentId: string,
  version: number,
  day: DayReplan,
  why: string,
  deps: BatchingDeps,
) {
  const state = await deps.store.get(shipmentId);
  if (state?.status !== 'OPTIMIZING' || state.version !== version) return;
  await giveUpShipment(
    state,
    `after_cutoff: the plan of ${day.serviceDate} is frozen (dispatch cutoff passed) and it fits on no route without moving the others (${why})`,
    deps,
  );
}

/**
 * A shipment the engine could not place goes to the next window, up to the configured number of
 * windows in a row; then it is given up (giveUpShipment: STALE with the reason, shipment.unassigned
 * to the SCM, the ShipmentsUnassigned alarm).
 */
async function leaveUnassigned(shipmentId: string, version: number, reason: string, deps: BatchingDeps) {
  const state = await deps.store.get(shipmentId);
  if (state?.status !== 'OPTIMIZING' || state.version !== version) return;
  const windows = (state.unassignedWindows ?? 0) + 1;
  if (windows >= deps.settings.maxUnassignedWindows) {
    await giveUpShipment(state, `unassigned (${reason}) in ${windows} windows: needs attention`, deps, {
      unassignedWindows: windows,
    });
    return;
  }
  await requeueForNextWindow(
    state,
    { statusReason: `unassigned (${reason}): re-queued for the next window`, unassignedWindows: windows },
    deps,
  );
}

/** OPTIMIZING → QUEUED with the patch and a `shipment.requeued` bus message (the next window); a lost race leaves it. */
async function requeueForNextWindow(
  state: ShipmentState,
  patch: StatePatch,
  deps: BatchingDeps,
): Promise<void> {
  await transitionAt(deps, state, {
    type: 'shipment.requeued',
    to: 'QUEUED',
    version: state.version,
    correlationId: state.correlationId,
    patch,
    busEvent: 'shipment.requeued',
  });
}

function routeRecord(
  route: PlannedRoute,
  batchId: string,
  region: string,
  routeId: string,
  input: RoutingInput,
  versionOf: (shipmentId: string) => number | undefined,
  createdAt: string,
): RouteRecord {
  const jobs = new Map(input.shipments.map((s) => [s.id, s]));
  const vehicle = input.vehicles.find((v) => v.id === route.vehicleId);
  return {
    routeId,
    batchId,
    region,
    vehicleId: route.vehicleId,
    depotId: vehicle?.startDepotId ?? '',
    start: iso(route.start),
    end: iso(route.end),
    distanceMeters: route.distanceMeters,
    durationSeconds: route.durationSeconds,
    cost: route.cost,
    stops: route.stops.map((stop, i) => {
      const job = jobs.get(stop.shipmentId);
      return {
        shipmentId: stop.shipmentId,
        version: versionOf(stop.shipmentId) ?? 1,
        sequence: i + 1,
        eta: iso(stop.arrival),
        departure: iso(stop.departure),
        destination: { lat: job?.destination.lat ?? 0, lon: job?.destination.lon ?? 0 },
      };
    }),
    createdAt,
  };
}

/** Route records of routes a re-plan emptied (their shipments moved): kept, with no stop. */
async function emptyRoutes(routeIds: string[], at: string, deps: BatchingDeps): Promise<void> {
  const records: RouteRecord[] = [];
  for (const routeId of routeIds) {
    const record = await deps.batches.getRoute(routeId);
    if (record && record.stops.length > 0) records.push({ ...record, stops: [], createdAt: at });
  }
  if (records.length > 0) await deps.batches.putRoutes(records);
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
