import type { RouteRecord } from '../../schemas/batching';
import {
  ROUTE_OPTIMIZED,
  ROUTE_UPDATED,
  type RouteOptimizedDetail,
  type RouteUpdatedDetail,
} from '../../schemas/events';
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
 * dispatch cutoff is still ahead: the final callback carries the ETA then. With
 * `replan.callbacksBeforeCutoff` false nothing is told before the cutoff: a held assignment (never
 * sent) is stored anew, silently, so GET shows where the shipment is; one the SCM had is left for
 * the final callback.
 * Answers the shipments told (or, held, recorded).
 */
export async function tellRouteChanges(
  routes: readonly RouteRecord[],
  ctx: RevisionContext,
  deps: BatchingDeps,
): Promise<string[]> {
  const now = deps.clock.now();
  const stops = routes.flatMap((route) => {
    const held: Held = callbacksHeld(deps.fleet, route.region, ctx.serviceDate, now)
      ? 'all'
      : etaUpdatesHeld(deps.fleet, route.region, ctx.serviceDate, now)
        ? 'eta'
        : 'none';
    return route.stops
      .filter((stop) => !ctx.firstAssigned.has(stop.shipmentId))
      .map((stop) => ({ route, stop, held }));
  });
  // Each shipment is its own read and conditional write: they are compared side by side.
  const told = await mapBounded(stops, STORE_CONCURRENCY, ({ route, stop, held }) =>
    tellOne(route, stop, ctx, held, deps),
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

type ReplanFleet = Pick<BatchingDeps['fleet'], 'replan' | 'calendar' | 'regions'>;

/** The plan of (region, serviceDate) has its dispatch cutoff still ahead at `nowMs`. Pure. */
function cutoffAhead(fleet: ReplanFleet, region: string, serviceDate: string, nowMs: number): boolean {
  return nowMs < dispatchCutoffOf(serviceDate, calendarOf(region, fleet));
}

/**
 * `replan.etaUpdatesBeforeCutoff` false and the plan's dispatch cutoff still ahead: an ETA-only
 * change is not told now, the final callback carries it (contract §3a). Pure.
 */
export const etaUpdatesHeld = (fleet: ReplanFleet, region: string, serviceDate: string, nowMs: number) =>
  !fleet.replan.etaUpdatesBeforeCutoff && cutoffAhead(fleet, region, serviceDate, nowMs);

/**
 * `replan.callbacksBeforeCutoff` false and the plan's dispatch cutoff still ahead: no assignment of
 * the plan is sent now; the cutoff's final callback is each shipment's first (contract §3a). Pure.
 */
export const callbacksHeld = (fleet: ReplanFleet, region: string, serviceDate: string, nowMs: number) =>
  !fleet.replan.callbacksBeforeCutoff && cutoffAhead(fleet, region, serviceDate, nowMs);

/** What a revision may not tell yet: nothing held, ETA-only changes, or everything (until the cutoff). */
type Held = 'none' | 'eta' | 'all';

/**
 * One stop: told when it moved or its ETA did (unless held); a shipment that changed meanwhile
 * is read again.
 */
async function tellOne(
  route: RouteRecord,
  stop: RouteRecord['stops'][number],
  ctx: RevisionContext,
  held: Held,
  deps: BatchingDeps,
): Promise<boolean> {
  // A held assignment is stored whenever it changes at all (it is what GET shows); a sent one is
  // compared with the tolerance.
  for (let attempt = 0; attempt < 3; attempt++) {
    const state = await deps.store.get(stop.shipmentId);
    if (!state?.route || state.version !== stop.version || !ROUTED.includes(state.status)) return false;
    const had = state.route;
    if (held === 'all' && !had.held) return false; // the SCM has it: the final callback tells the change
    const toleranceMs = had.held ? 0 : deps.fleet.replan.etaToleranceMinutes * 60_000;
    const now = { vehicleId: route.vehicleId, routeId: route.routeId, eta: stop.eta };
    const renumbered = had.sequence !== stop.sequence || had.stops !== route.stops.length;
    if (!assignmentChanged(had, now, toleranceMs) && !(had.held && renumbered)) return false;
    const moved = had.vehicleId !== route.vehicleId || had.routeId !== route.routeId;
    if (!moved && held === 'eta') return false; // the final callback at the cutoff carries the ETA
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
  ctx: Pick<RevisionContext, 'batchId' | 'optimizedAt' | 'revision' | 'serviceDate'>,
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
    serviceDate: ctx.serviceDate,
  };
}

/**
 * Stores a shipment's new assignment (audit event `shipment.route_updated`, status unchanged) and
 * announces it (`route.updated`: the SCM's `shipment.route_updated` callback). False when the
 * shipment moved on meanwhile (a newer version, a callback answer): then there is nothing to tell.
 * A held assignment (`replan.callbacksBeforeCutoff` false, never sent) is stored held and not
 * announced, unless the new one is final: then it is the shipment's first callback,
 * `route.optimized` (the SCM's `shipment.route_optimized` with `final: true`).
 */
export async function announceAssignment(
  state: ShipmentState,
  route: RouteAssignment,
  reason: string,
  deps: Pick<BatchingDeps, 'store' | 'clock' | 'ids' | 'publisher' | 'logger'>,
): Promise<boolean> {
  const { held: _sent, ...assignment } = route;
  const about = {
    shipmentId: state.shipmentId,
    version: state.version,
    correlationId: state.correlationId,
    region: state.region,
    priority: state.priority,
  };
  if (state.route?.held) {
    const first = assignment.final === true;
    const detail: Omit<RouteOptimizedDetail, 'eventId'> = { ...about, ...assignment };
    const written = await transitionAt(deps, state, {
      type: first ? 'shipment.optimized' : 'shipment.route_updated',
      to: state.status,
      version: state.version,
      correlationId: state.correlationId,
      patch: { route: first ? assignment : { ...assignment, held: true }, statusReason: reason },
      ...(first ? { busEvent: { detailType: ROUTE_OPTIMIZED, detail } } : {}),
    });
    return written !== undefined;
  }
  const detail: Omit<RouteUpdatedDetail, 'eventId'> = { ...about, ...assignment, reason };
  const written = await transitionAt(deps, state, {
    type: 'shipment.route_updated',
    to: state.status,
    version: state.version,
    correlationId: state.correlationId,
    patch: { route: assignment },
    busEvent: { detailType: ROUTE_UPDATED, detail },
  });
  return written !== undefined;
}
