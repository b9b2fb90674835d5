import type { RouteRecord } from '../../schemas/batching';
import { ROUTE_UPDATED, type RouteUpdatedDetail } from '../../schemas/events';
import type { RouteAssignment, ShipmentState } from '../../schemas/state';
import { calendarOf, dispatchCutoffOf } from '../calendar';
import { mapBounded, STORE_CONCURRENCY } from '../concurrency';
import { transitionAt } from '../transitions';
import type { BatchingDeps } from './batching-deps';

/** Statuses whose route the SCM has, or is about to get: a change of it is told to the SCM. */
export const ROUTED: readonly ShipmentState['status'][] = [
  'OPTIMIZED',
  'CALLBACK_PENDING',
  'ROUTE_APPLIED',
  'CALLBACK_FAILED',
];

export interface RevisionContext {
  serviceDate: string;
  /** The plan revision the routes belong to. */
  revision: number;
  batchId: string;
  optimizedAt: string;
  /** Shipments whose first assignment this revision is (they get shipment.route_optimized instead). */
  firstAssigned: ReadonlySet<string>;
}

/**
 * Contract §3a: after a revision of a plan is written, each shipment on its changed routes whose
 * assignment the SCM has is compared with that assignment (the stored `route`, the one it was
 * sent). A different vehicle or route, or an ETA moved by more than the tolerance
 * (`FLEET_CONFIG.replan.etaToleranceMinutes`), becomes exactly one `shipment.route_updated` (audit
 * event, status unchanged, and the callback, with the revision); anything else is not told. The
 * comparison is with what the SCM has, not with the previous revision: a run that died half-way
 * tells the rest on the next revision, and one that already told a shipment does not tell it again.
 * With `replan.etaUpdatesBeforeCutoff` false, an ETA-only change is not told while the plan's
 * dispatch cutoff is still ahead: the final callback carries the ETA then.
 * Answers the shipments told.
 */
export async function tellRouteChanges(
  routes: readonly RouteRecord[],
  ctx: RevisionContext,
  deps: BatchingDeps,
): Promise<string[]> {
  const now = deps.clock.now();
  const stops = routes.flatMap((route) => {
    const etaHeld = etaUpdatesHeld(deps.fleet, route.region, ctx.serviceDate, now);
    return route.stops
      .filter((stop) => !ctx.firstAssigned.has(stop.shipmentId))
      .map((stop) => ({ route, stop, etaHeld }));
  });
  // Each shipment is its own read and conditional write: they are compared side by side.
  const told = await mapBounded(stops, STORE_CONCURRENCY, ({ route, stop, etaHeld }) =>
    tellOne(route, stop, ctx, etaHeld, deps),
  );
  return stops.filter((_, i) => told[i]).map(({ stop }) => stop.shipmentId);
}

/** What of an assignment the SCM is told about: its vehicle, its route and its ETA. */
export type AssignmentKey = Pick<RouteAssignment, 'vehicleId' | 'routeId' | 'eta'>;

/**
 * Contract §3a's rule, pure: a shipment is told (`shipment.route_updated`) when its assignment now
 * has another vehicle or route than the one it was last sent (`had`), or an ETA more than
 * `toleranceMs` away from it. Another sequence on the same route, or an ETA within the tolerance,
 * is not told.
 */
export function assignmentChanged(had: AssignmentKey, now: AssignmentKey, toleranceMs: number): boolean {
  if (had.vehicleId !== now.vehicleId || had.routeId !== now.routeId) return true;
  // Written as "not within": an ETA that does not parse is a change (told), never silence.
  return !(Math.abs(Date.parse(now.eta) - Date.parse(had.eta)) <= toleranceMs);
}

/**
 * `replan.etaUpdatesBeforeCutoff` false and the plan's dispatch cutoff still ahead: an ETA-only
 * change is not told now, the final callback carries it (contract §3a). Pure.
 */
export function etaUpdatesHeld(
  fleet: Pick<BatchingDeps['fleet'], 'replan' | 'calendar' | 'regions'>,
  region: string,
  serviceDate: string,
  nowMs: number,
): boolean {
  return (
    !fleet.replan.etaUpdatesBeforeCutoff && nowMs < dispatchCutoffOf(serviceDate, calendarOf(region, fleet))
  );
}

/**
 * One stop: told when it moved or its ETA did (unless `etaHeld`); a shipment that changed meanwhile
 * is read again.
 */
async function tellOne(
  route: RouteRecord,
  stop: RouteRecord['stops'][number],
  ctx: RevisionContext,
  etaHeld: boolean,
  deps: BatchingDeps,
): Promise<boolean> {
  const toleranceMs = deps.fleet.replan.etaToleranceMinutes * 60_000;
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = await deps.store.get(stop.shipmentId);
    if (!state?.route || state.version !== stop.version || !ROUTED.includes(state.status)) return false;
    const had = state.route;
    const now = { vehicleId: route.vehicleId, routeId: route.routeId, eta: stop.eta };
    if (!assignmentChanged(had, now, toleranceMs)) return false;
    const moved = had.vehicleId !== route.vehicleId || had.routeId !== route.routeId;
    if (!moved && etaHeld) return false; // the final callback at the cutoff carries the ETA
    const shiftMs = Date.parse(stop.eta) - Date.parse(had.eta);
    const where = `plan ${ctx.serviceDate} revision ${ctx.revision}`;
    const reason = moved
      ? `re-planned (${where}): moved from vehicle ${had.vehicleId} to ${route.vehicleId}`
      : `re-planned (${where}): ETA ${shiftMs > 0 ? 'later' : 'earlier'} by ${Math.round(Math.abs(shiftMs) / 60_000)} min`;
    const assignment = assignmentOf(route, stop, ctx);
    if (await announceAssignment(state, assignment, reason, deps)) return true;
  }
  return false;
}

/** A stop's assignment on its route record in a plan revision (what the SCM is sent). */
export function assignmentOf(
  route: RouteRecord,
  stop: RouteRecord['stops'][number],
  ctx: Pick<RevisionContext, 'batchId' | 'optimizedAt' | 'revision'>,
): RouteAssignment {
  return {
    routeId: route.routeId,
    vehicleId: route.vehicleId,
    sequence: stop.sequence,
    stops: route.stops.length,
    eta: stop.eta,
    batchId: ctx.batchId,
    optimizedAt: ctx.optimizedAt,
    planRevision: ctx.revision,
  };
}

/**
 * Stores a shipment's new assignment (audit event `shipment.route_updated`, status unchanged) and
 * announces it (`route.updated`: the SCM's `shipment.route_updated` callback). False when the
 * shipment moved on meanwhile (a newer version, a callback answer): then there is nothing to tell.
 */
export async function announceAssignment(
  state: ShipmentState,
  route: RouteAssignment,
  reason: string,
  deps: Pick<BatchingDeps, 'store' | 'clock' | 'ids' | 'publisher' | 'logger'>,
): Promise<boolean> {
  const detail: Omit<RouteUpdatedDetail, 'eventId'> = {
    shipmentId: state.shipmentId,
    version: state.version,
    correlationId: state.correlationId,
    region: state.region,
    priority: state.priority,
    ...route,
    reason,
  };
  const written = await transitionAt(deps, state, {
    type: 'shipment.route_updated',
    to: state.status,
    version: state.version,
    correlationId: state.correlationId,
    patch: { route },
    busEvent: { detailType: ROUTE_UPDATED, detail },
  });
  return written !== undefined;
}
