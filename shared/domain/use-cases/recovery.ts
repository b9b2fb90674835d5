import type { ShipmentEventDetail } from '../../schemas/events';
import type { ShipmentState, ShipmentStatus } from '../../schemas/state';
import { isoAt } from '../clock';
import { mapBounded, STORE_CONCURRENCY } from '../concurrency';
import { transitionAt } from '../transitions';
import type { ShipmentDeps } from './shipment-deps';

/** The bus detail that announces a shipment's current state. */
export function detailOf(state: ShipmentState, eventId: string, occurredAt: string): ShipmentEventDetail {
  return {
    eventId,
    shipmentId: state.shipmentId,
    version: state.version,
    priority: state.priority,
    region: state.region,
    status: state.status,
    correlationId: state.correlationId,
    occurredAt,
  };
}

/**
 * Announces again, as `shipment.requeued`, every shipment in one of `statuses` whose queue
 * message may be gone: after a restart of the local runtime (its queues live in memory), or for
 * shipments the reconciliation finds stuck. Consumers are idempotent by (shipment, version).
 */
export async function requeueShipments(
  statuses: readonly ShipmentStatus[],
  deps: Pick<ShipmentDeps, 'store' | 'publisher' | 'clock' | 'ids' | 'logger'>,
  options: { updatedBefore?: string } = {},
): Promise<number> {
  let count = 0;
  for (const status of statuses) {
    const states = await deps.store.listByStatus(status, options);
    const chunks = Array.from({ length: Math.ceil(states.length / 10) }, (_, k) =>
      states.slice(k * 10, k * 10 + 10),
    );
    // Entries of 10 (a PutEvents call), several calls at once: consumers are idempotent by
    // (shipment, version), so the order of the announcements does not matter.
    await mapBounded(chunks, STORE_CONCURRENCY, async (chunk) => {
      await deps.publisher.publish(
        chunk.map((s) => ({
          detailType: 'shipment.requeued',
          detail: { ...detailOf(s, deps.ids.next(), isoAt(deps.clock)) },
        })),
      );
      count += chunk.length;
    });
  }
  if (count > 0) deps.logger.info('shipments re-queued', { count, statuses });
  return count;
}

/**
 * URGENT shipments left OPTIMIZING by a real-time insertion that died with its process (URGENT
 * shipments are never batched, so OPTIMIZING means an insertion inside an API call or a p0
 * consumer): QUEUED again, for `requeueShipments` to announce on p0. Only for a caller that knows
 * no such insertion can still be running: the local runtime at start.
 */
export async function requeueInterruptedUrgent(
  deps: Pick<ShipmentDeps, 'store' | 'clock' | 'ids' | 'logger' | 'publisher'>,
): Promise<number> {
  let count = 0;
  // Held (RECEIVED) before the insertion started, or OPTIMIZING inside it: either way the call
  // that held it died with the process.
  const listed = [
    ...(await deps.store.listByStatus('RECEIVED')),
    ...(await deps.store.listByStatus('OPTIMIZING')),
  ];
  for (const { shipmentId } of listed) {
    const state = await deps.store.get(shipmentId); // caught up from the trail
    if ((state?.status !== 'OPTIMIZING' && state?.status !== 'RECEIVED') || state.priority !== 'URGENT')
      continue;
    const written = await transitionAt(deps, state, {
      type: 'shipment.queued',
      to: 'QUEUED',
      version: state.version,
      correlationId: state.correlationId,
      patch: { statusReason: 'real-time insertion interrupted by a restart: queued on p0' },
    });
    if (written) count++;
  }
  if (count > 0) deps.logger.info('interrupted real-time insertions re-queued', { count });
  return count;
}
