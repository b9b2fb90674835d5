import { ROUTE_OPTIMIZED, type RouteOptimizedDetail } from '../../schemas/events';
import type { RouteAssignment, ShipmentState, StatePatch } from '../../schemas/state';
import { transition, transitionAt } from '../transitions';
import type { BatchingDeps } from './batching-deps';

/**
 * Writes one optimization result if the shipment still has the optimized version and is still
 * OPTIMIZING (conditional on its revision), and answers the state it wrote. Otherwise the result is stale: a shipment waiting with
 * a newer version is marked STALE and re-queued for the next window; the result is discarded.
 * A `held` assignment (`replan.callbacksBeforeCutoff` false) is stored without its route.optimized
 * event: the plan's cutoff sends it (contract §3a).
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
    const { held, ...sent } = assignment;
    const detail: Omit<RouteOptimizedDetail, 'eventId'> = {
      shipmentId,
      version,
      correlationId: state.correlationId,
      region: state.region,
      priority: state.priority,
      ...sent,
    };
    return {
      write: {
        type: 'shipment.optimized',
        to: 'OPTIMIZED',
        version,
        correlationId: state.correlationId,
        patch: { route: assignment, statusReason: null, unassignedWindows: null },
        ...(held ? {} : { busEvent: { detailType: ROUTE_OPTIMIZED, detail } }),
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

/** OPTIMIZING → QUEUED with the patch and a `shipment.requeued` bus message (the next window); a lost race leaves it. */
export async function requeueForNextWindow(
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
