import type { BatchJob, BatchRecord } from '../../schemas/batching';
import type { RouteAssignment, ShipmentState } from '../../schemas/state';
import type { RoutingInput } from '../../solver';
import { isoAt, wallBudget } from '../clock';
import { mapBounded, STORE_CONCURRENCY } from '../concurrency';
import { DependencyError } from '../errors';
import { ownEntry } from '../lookup';
import { transitionAt } from '../transitions';
import type { BatchingDeps } from './batching-deps';
import { type DayReplan, replanDay } from './day-plan';
import { serviceDateOf, toJob } from './fleet';
import { applyResult } from './results';
import { assignmentOf, callbacksHeld, tellRouteChanges } from './route-changes';
import { emptyRoutes, routeRecord } from './route-records';
import { leaveAfterCutoff, leaveUnassigned, spillEconomy, withdrawDropped } from './unplanned';

export class RegionBusyError extends DependencyError {
  override readonly code = 'region-busy';
}

/** The status reason of a shipment this window claimed (OPTIMIZING in it). */
export const optimizingReason = (windowId: string) => `optimizing in window ${windowId}`;

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
          const record = routeRecord(r, {
            routeId: ownEntry(day.routeIds, r.vehicleId) ?? deps.ids.next(),
            batchId,
            region: window.region,
            input: day.input,
            versionOf: (id) => byId.get(id)?.version ?? day.versions.get(id),
            createdAt: optimizedAt,
          });
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
    const now = deps.clock.now();
    const heldDays = new Set(
      days
        .filter((d) => !d.frozen && callbacksHeld(deps.fleet, window.region, d.serviceDate, now))
        .map((d) => d.serviceDate),
    );
    const written = await mapBounded(results, STORE_CONCURRENCY, ({ route, stop }) => {
      const serviceDate = dayOfRoute.get(route.routeId) ?? '';
      const assignment: RouteAssignment = {
        ...assignmentOf(route, stop, {
          batchId,
          optimizedAt,
          revision: revisionOf.get(route.routeId) ?? 1,
          serviceDate,
        }),
        // Inserted into a frozen plan: nothing moves it any more (contract §3a).
        ...(frozenRoutes.has(route.routeId) ? { final: true } : {}),
        // replan.callbacksBeforeCutoff false: the cutoff sends it.
        ...(heldDays.has(serviceDate) ? { held: true } : {}),
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
    // A shipment already in a plan that no longer fits in it is never left holding a route it is
    // not on: its assignment is withdrawn, STALE with the reason, and the SCM is told.
    for (const day of days)
      for (const d of day.dropped) await withdrawDropped(d.shipmentId, d.reason, day, deps);
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

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
