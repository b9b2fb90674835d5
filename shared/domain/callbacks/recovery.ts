import type { DeliveryInput } from '../../schemas/callbacks';
import { ROUTE_OPTIMIZED, RouteOptimizedDetail } from '../../schemas/events';
import type { ShipmentState } from '../../schemas/state';
import { mapBounded, STORE_CONCURRENCY } from '../concurrency';
import type { CoreLogger, ShipmentStore } from '../ports';
import type { CallbackDeps } from './delivery';
import { webhookIdOf } from './payloads';
import { settleFromRecord } from './settle';

/** What `recoverDeliveries` did. */
export interface DeliveryRecovery {
  /** Deliveries taken over by a new execution (`{resume: {webhookId}}`). */
  resumed: number;
  /** route.optimized events announced again: their delivery had not created its callback. */
  announced: number;
  /** Shipments moved as their ended callback record says (the SCM had answered, or dead-lettered). */
  settled: number;
}

/**
 * Recovery of callback delivery at the start of a runtime whose executions lived in memory (the
 * local runtime after a stop or a kill -9): no execution runs, so every delivery a previous run
 * left unfinished, wherever it stopped, is found again and driven to its end, and each step is
 * idempotent (same webhook-id, the SCM de-duplicates on it):
 * - every PENDING / IN_PROGRESS callback gets one new execution (started once, even when its
 *   record changes status while the listing runs);
 * - every OPTIMIZED or CALLBACK_PENDING shipment is looked up by the callback of its version's
 *   route.optimized event: no callback yet, the event is announced again (the delivery had not
 *   reached its first task); a pending one was resumed above; one that has ended (the SCM answered,
 *   or it was dead-lettered) before the shipment moved settles the shipment from the record.
 * Shadowed callbacks leave their shipment CALLBACK_PENDING, as they do when delivered. A held
 * assignment (`replan.callbacksBeforeCutoff` false) has no event yet and is left to the cutoff.
 */
export async function recoverDeliveries(
  deps: CallbackDeps,
  start: (input: DeliveryInput) => void,
): Promise<DeliveryRecovery> {
  const done: DeliveryRecovery = { resumed: 0, announced: 0, settled: 0 };
  // Every listing and look-up before any start: a resumed delivery moves its record PENDING →
  // IN_PROGRESS, and hundreds of executions started at once (an SCM outage leaves that many) would
  // compete with the look-ups for the store and hold the runtime's start for minutes.
  const unfinished = [
    ...(await deps.callbacks.listByStatus('PENDING', 10_000)),
    ...(await deps.callbacks.listByStatus('IN_PROGRESS', 10_000)),
  ];
  const resumed = new Set<string>(unfinished.map((record) => record.webhookId));

  const listed = [
    ...(await deps.store.listByStatus('OPTIMIZED')),
    ...(await deps.store.listByStatus('CALLBACK_PENDING')),
  ];
  // One shipment's recovery is a few reads and at most one write or start: many run at once, so
  // that a restart with thousands of deliveries outstanding (an SCM outage) is ready in seconds.
  await mapBounded(listed, STORE_CONCURRENCY, async ({ shipmentId }) => {
    const state = await deps.store.get(shipmentId); // caught up from the trail
    if (state?.status !== 'OPTIMIZED' && state?.status !== 'CALLBACK_PENDING') return;
    if (state.route?.held) return; // nothing announced yet: the plan's cutoff sends it
    const detail = await announcedRoute(state, deps);
    if (!detail) return;
    const record = await deps.callbacks.get(webhookIdOf(detail.eventId));
    if (!record) {
      await deps.publisher.publish([{ detailType: ROUTE_OPTIMIZED, detail: { ...detail } }]);
      done.announced++;
    } else if (record.status === 'PENDING' || record.status === 'IN_PROGRESS') {
      resumed.add(record.webhookId);
    } else if (await settleFromRecord(record, deps)) {
      done.settled++;
    }
  });
  for (const webhookId of resumed) start({ resume: { webhookId } });
  done.resumed = resumed.size;
  if (done.resumed + done.announced + done.settled > 0)
    deps.logger.info('callback deliveries recovered at start', { ...done });
  return done;
}

/** The route.optimized event that announced the shipment's current version (its outbox message). */
async function announcedRoute(
  state: ShipmentState,
  deps: { store: ShipmentStore; logger: CoreLogger },
): Promise<RouteOptimizedDetail | undefined> {
  const events = await deps.store.events(state.shipmentId);
  const announced = events
    .filter((e) => e.version === state.version && e.outbox?.detailType === ROUTE_OPTIMIZED)
    .at(-1);
  const detail = RouteOptimizedDetail.safeParse(announced?.outbox?.detail);
  if (detail.success) return detail.data;
  deps.logger.warn('shipment without the route.optimized event of its version', {
    shipmentId: state.shipmentId,
    version: state.version,
    status: state.status,
  });
  return undefined;
}
