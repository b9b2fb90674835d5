import type { AuditEvent } from '../../schemas/state';
import { mapBounded, STORE_CONCURRENCY } from '../concurrency';
import type { ShipmentDeps } from './shipment-deps';

/**
 * Publishes the outbox message of a committed event and marks it published. A failure here
 * loses nothing: the event stays in the outbox and `relayOutbox` publishes it later.
 */
export async function publishCommitted(
  event: AuditEvent,
  deps: Pick<ShipmentDeps, 'store' | 'publisher' | 'logger'>,
): Promise<boolean> {
  if (!event.outbox) return true;
  try {
    await deps.publisher.publish([{ detailType: event.outbox.detailType, detail: event.outbox.detail }]);
    await deps.store.markPublished(event.shipmentId, event.seq);
    return true;
  } catch (error) {
    deps.logger.warn('outbox publish deferred to the relay', {
      shipmentId: event.shipmentId,
      seq: event.seq,
      error: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
}

/**
 * The outbox relay: publishes every committed event whose message has not reached the bus (the
 * process died between the write and the publish, or the bus was down). At-least-once: a message
 * may be published twice, so consumers are idempotent by (shipmentId, version, type).
 */
export async function relayOutbox(
  deps: Pick<ShipmentDeps, 'store' | 'publisher' | 'logger' | 'clock'>,
  options: { batchSize?: number; graceMs?: number } = {},
): Promise<{ published: number; failed: number }> {
  // Entries younger than the grace period are left to the writer that is publishing them now.
  const occurredBefore = new Date(deps.clock.now() - (options.graceMs ?? 0)).toISOString();
  const pending = await deps.store.pendingOutbox(options.batchSize ?? 100, { occurredBefore });
  let published = 0;
  let failed = 0;
  // In order within a shipment; shipments side by side (a restart after an outage finds many).
  const byShipment = new Map<string, typeof pending>();
  for (const event of pending)
    byShipment.set(event.shipmentId, [...(byShipment.get(event.shipmentId) ?? []), event]);
  await mapBounded([...byShipment.values()], STORE_CONCURRENCY, async (events) => {
    for (const event of events) {
      // Catch the projection up first, so consumers reading state see what the event announces.
      await deps.store.get(event.shipmentId);
      if (await publishCommitted(event, deps)) published++;
      else failed++;
    }
  });
  if (published > 0) deps.logger.info('outbox relayed', { published, failed });
  return { published, failed };
}
