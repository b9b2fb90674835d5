import { CALLBACK_FAILED, type CallbackFailedDetail, type CallbackRecord } from '../../schemas/callbacks';
import type { ShipmentState } from '../../schemas/state';
import { canTransition } from '../lifecycle';
import { type Transition, transition } from '../transitions';
import { type CallbackDeps, isNotice } from './delivery';
import type { Answer } from './schedule';

export function failedDetail(record: CallbackRecord, reason: string): CallbackFailedDetail {
  return {
    webhookId: record.webhookId,
    shipmentId: record.shipmentId,
    version: record.version,
    correlationId: record.correlationId,
    endpoint: record.endpoint,
    attempts: record.attempts,
    reason,
  };
}

/** CALLBACK_PENDING → CALLBACK_FAILED with `callback.failed` on the bus (through the outbox). */
export function failShipment(deps: CallbackDeps, record: CallbackRecord, reason: string) {
  return moveShipment(deps, record, 'CALLBACK_PENDING', (stored) => ({
    type: 'shipment.callback_failed',
    to: 'CALLBACK_FAILED',
    version: stored.version,
    correlationId: record.correlationId,
    patch: { statusReason: reason },
    busEvent: { detailType: CALLBACK_FAILED, detail: { ...failedDetail(record, reason) } },
  }));
}

/**
 * The shipment move a callback record that has ended calls for, when the shipment has not made it
 * (the delivery stopped between settling the record and moving the shipment, or a delivery that ran
 * beside it ended the record): COMPLETED with the SCM's answer (applied, stale, gone) settles it as
 * that answer does; FAILED (dead-lettered) makes it CALLBACK_FAILED. Anything else (pending,
 * shadowed, superseded) asks for no move. Idempotent: a shipment already moved, or moved on, is left
 * alone. True when the record called for a move.
 */
export async function settleFromRecord(record: CallbackRecord, deps: CallbackDeps): Promise<boolean> {
  if (isNotice(record)) return false;
  const answered =
    record.status === 'COMPLETED' &&
    (record.outcome === 'applied' || record.outcome === 'stale' || record.outcome === 'gone')
      ? record.outcome
      : undefined;
  const failed = record.status === 'FAILED' && record.deadLetteredAt !== undefined;
  if (!answered && !failed) return false;
  // Its first task may not have moved the shipment yet either.
  await moveShipment(deps, record, 'OPTIMIZED', (stored) => ({
    type: 'shipment.callback_pending',
    to: 'CALLBACK_PENDING',
    version: stored.version,
    correlationId: record.correlationId,
    callbackMode: record.mode,
    patch: {},
  }));
  if (answered) await settleAnswered(deps, record, answered);
  else await failShipment(deps, record, record.lastError ?? 'callback dead-lettered');
  return true;
}

/** 2xx → ROUTE_APPLIED; 409 → STALE, then QUEUED (re-queued); 410 → CANCELLED. */
export async function settleAnswered(
  deps: CallbackDeps,
  record: CallbackRecord,
  answered: Extract<Answer['class'], 'applied' | 'stale' | 'gone'>,
) {
  if (answered === 'applied') {
    let receivedAt: string | undefined;
    const moved = await moveShipment(deps, record, 'CALLBACK_PENDING', (stored) => {
      receivedAt = stored.receivedAt;
      return {
        type: 'shipment.route_applied',
        to: 'ROUTE_APPLIED',
        version: stored.version,
        correlationId: record.correlationId,
        patch: { statusReason: null },
      };
    });
    // End to end from the shipment's first receipt, on the service's clock.
    if (moved === 'moved' && receivedAt)
      deps.metrics.seconds?.('EndToEndSeconds', (deps.clock.now() - Date.parse(receivedAt)) / 1000);
  } else if (answered === 'gone') {
    await moveShipment(deps, record, 'CALLBACK_PENDING', (stored) => ({
      type: 'shipment.cancelled',
      to: 'CANCELLED',
      version: stored.version,
      correlationId: record.correlationId,
      patch: { statusReason: 'the SCM answered 410 Gone to the callback' },
      busEvent: 'shipment.cancelled',
    }));
  } else {
    const moved = await moveShipment(deps, record, 'CALLBACK_PENDING', (stored) => ({
      type: 'shipment.stale',
      to: 'STALE',
      version: stored.version,
      correlationId: record.correlationId,
      patch: { statusReason: 'the SCM answered 409 Conflict to the callback' },
    }));
    if (moved !== 'moved') return;
    await moveShipment(deps, record, 'STALE', (stored) => ({
      type: 'shipment.requeued',
      to: 'QUEUED',
      version: stored.version,
      correlationId: record.correlationId,
      patch: { route: null },
      busEvent: 'shipment.requeued',
    }));
  }
}

/**
 * Commits one transition of the callback's shipment if it is still at the callback's version and
 * in status `from` (or already where the spec leads: a retried task). 'gone' when the shipment
 * has moved on (a newer version, a cancellation): the callback no longer speaks for it.
 */
export async function moveShipment(
  deps: CallbackDeps,
  record: CallbackRecord,
  from: ShipmentState['status'],
  spec: (stored: ShipmentState) => Transition,
): Promise<'moved' | 'already' | 'gone'> {
  const outcome = await transition<'already' | 'gone'>(deps, record.shipmentId, (stored) => {
    if (!stored || stored.version !== record.version) return { stop: 'gone' };
    const next = spec(stored);
    if (stored.status === next.to) return { stop: 'already' };
    if (stored.status !== from || !canTransition(stored.status, next.to)) {
      deps.logger.info('shipment moved on; callback does not change it', {
        shipmentId: record.shipmentId,
        status: stored.status,
        wanted: next.to,
      });
      return { stop: 'gone' };
    }
    return { write: next };
  });
  return outcome.kind === 'committed' ? 'moved' : outcome.value;
}
