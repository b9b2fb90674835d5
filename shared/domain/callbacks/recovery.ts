import { ROUTE_OPTIMIZED, RouteOptimizedDetail } from '../../schemas/events';
import type { EventPublisher, ShipmentStore } from '../ports';
import type { CoreLogger } from '../use-cases/dependencies';
import { webhookIdOf } from './delivery';
import type { CallbackStore } from './ports';

/**
 * Announces again the `route.optimized` event of every shipment left OPTIMIZED without a callback:
 * its delivery was started but never reached its first task (a delivery that did has a callback
 * record and moved the shipment to CALLBACK_PENDING). In the local runtime executions live in
 * memory, so a kill between the bus and the first task loses the start; the event itself is in
 * the shipment's audit trail (its outbox message), with the event id the webhook-id is made from,
 * so the callback keeps its webhook-id and a duplicate start is skipped by the first task.
 */
export async function reannounceUndeliveredRoutes(deps: {
  store: ShipmentStore;
  callbacks: CallbackStore;
  publisher: EventPublisher;
  logger: CoreLogger;
}): Promise<number> {
  let count = 0;
  for (const listed of await deps.store.listByStatus('OPTIMIZED')) {
    const state = await deps.store.get(listed.shipmentId); // caught up from the trail
    if (state?.status !== 'OPTIMIZED') continue;
    const events = await deps.store.events(state.shipmentId);
    const announced = events
      .filter((e) => e.version === state.version && e.outbox?.detailType === ROUTE_OPTIMIZED)
      .at(-1);
    const detail = RouteOptimizedDetail.safeParse(announced?.outbox?.detail);
    if (!detail.success) {
      deps.logger.warn('optimized shipment without its route.optimized event', {
        shipmentId: state.shipmentId,
        version: state.version,
      });
      continue;
    }
    if (await deps.callbacks.get(webhookIdOf(detail.data.eventId))) continue; // its delivery runs
    await deps.publisher.publish([{ detailType: ROUTE_OPTIMIZED, detail: { ...detail.data } }]);
    count++;
  }
  if (count > 0)
    deps.logger.info('route.optimized announced again: their delivery had not started', { count });
  return count;
}
