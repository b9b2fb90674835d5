import type { RouteRecord } from '../../schemas/batching';
import type { ShipmentState } from '../../schemas/state';
import type { RoutingInput, RoutingPlan } from '../../solver';
import { isoAt } from '../clock';
import type { BatchingDeps } from './batching-deps';
import { serviceDateOf } from './fleet';
import { announceAssignment } from './route-changes';

/** Statuses whose route the SCM has, or is about to get: a change of it is told to the SCM. */
const ROUTED = ['OPTIMIZED', 'CALLBACK_PENDING', 'ROUTE_APPLIED', 'CALLBACK_FAILED'];

export type DropOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'dropped'; routeId: string; updated: string[] };

/**
 * A cancelled shipment leaves its route (the shipment.cancelled message, from the priority queue):
 * its stop is taken off the route record and out of the region plan, the other stops are numbered
 * again in the same order and keep their ETAs (skipping a stop never makes a later one later), and
 * each shipment whose sequence changed gets the new assignment (audit event
 * `shipment.route_updated`, status unchanged) and a `route.updated` event: the SCM's
 * `shipment.route_updated` callback. Running it again changes nothing.
 */
export async function dropCancelledStop(
  detail: { shipmentId: string },
  deps: BatchingDeps,
): Promise<DropOutcome> {
  const cancelled = await deps.store.get(detail.shipmentId);
  if (cancelled?.status !== 'CANCELLED') return { kind: 'skipped', reason: 'not cancelled' };
  const routeId = cancelled.route?.routeId;
  if (!routeId) return { kind: 'skipped', reason: 'had no route' };
  const route = await deps.batches.getRoute(routeId);
  if (!route) return { kind: 'skipped', reason: `route ${routeId} not found` };
  const reason = `shipment ${cancelled.shipmentId} was cancelled: its stop left route ${routeId}`;
  if (route.stops.some((s) => s.shipmentId === cancelled.shipmentId)) {
    const stops = route.stops
      .filter((s) => s.shipmentId !== cancelled.shipmentId)
      .map((s, i) => ({ ...s, sequence: i + 1 }));
    await deps.batches.putRoutes([{ ...route, stops }]);
  }
  const planRevision = await dropFromPlan(cancelled, deps);
  const current = (await deps.batches.getRoute(routeId)) as RouteRecord;
  const updated: string[] = [];
  for (const stop of current.stops) {
    const state = await deps.store.get(stop.shipmentId);
    if (!state || state.version !== stop.version || state.route?.routeId !== routeId) continue;
    if (!ROUTED.includes(state.status)) continue;
    if (state.route.sequence === stop.sequence && state.route.stops === current.stops.length) continue;
    if (
      await announceAssignment(
        state,
        {
          ...state.route,
          sequence: stop.sequence,
          stops: current.stops.length,
          ...(planRevision !== undefined ? { planRevision } : {}),
        },
        reason,
        deps,
      )
    )
      updated.push(state.shipmentId);
  }
  deps.logger.info('cancelled shipment left its route', {
    routeId,
    shipmentId: cancelled.shipmentId,
    updated,
  });
  return { kind: 'dropped', routeId, updated };
}

/**
 * Takes the shipment out of its region plan (URGENT insertions must not plan around it); answers
 * the plan's revision without it.
 */
async function dropFromPlan(state: ShipmentState, deps: BatchingDeps): Promise<number | undefined> {
  const serviceDate = serviceDateOf(state, deps.fleet);
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.batches.getRegionPlan(state.region, serviceDate);
    if (!current) return undefined;
    const input = current.input as RoutingInput;
    const plan = current.plan as RoutingPlan;
    const id = state.shipmentId;
    const inPlan = plan.routes.some((r) => r.stops.some((s) => s.shipmentId === id));
    if (!inPlan && !input.shipments.some((s) => s.id === id)) return current.revision;
    const saved = await deps.batches.putRegionPlan({
      ...current,
      revision: current.revision + 1,
      updatedAt: isoAt(deps.clock),
      input: { ...input, shipments: input.shipments.filter((s) => s.id !== id) },
      plan: {
        ...plan,
        routes: plan.routes.map((r) => ({ ...r, stops: r.stops.filter((s) => s.shipmentId !== id) })),
        unassigned: plan.unassigned.filter((u) => u.shipmentId !== id),
      },
    });
    if (saved) return current.revision + 1;
  }
  return undefined;
}
