import { DomainError } from '../errors';
import type { BatchingDeps } from './batching-deps';
import { giveUpShipment } from './unplanned';
import { optimizeInRealTime, type RealtimeOutcome } from './urgent-insertion';

/**
 * The p0 consumer: an URGENT shipment whose real-time optimization ran out of budget, a re-queued
 * URGENT one, or one left RECEIVED by an API call that died mid-way (re-announced by recovery).
 * Throws to have the message retried. On the message's last receive (`receive.count >=
 * receive.max`) a shipment still not placed is given up instead (giveUpShipment: STALE with the
 * reason, shipment.unassigned to the SCM, the ShipmentsUnassigned alarm), so it never sits in the
 * p0 DLQ while QUEUED with no other trace; an unexpected error is still thrown (→ DLQ) after that.
 */
export async function optimizeQueuedUrgent(
  detail: { shipmentId: string; version: number },
  budgetMs: number,
  deps: BatchingDeps,
  receive: { count: number; max: number } = { count: 1, max: Number.POSITIVE_INFINITY },
): Promise<RealtimeOutcome | { kind: 'skipped' | 'given_up'; reason: string }> {
  const state = await deps.store.get(detail.shipmentId);
  if (!state) return { kind: 'skipped', reason: 'unknown shipment' };
  if (state.version !== detail.version) return { kind: 'skipped', reason: 'superseded by a newer version' };
  if (!['QUEUED', 'STALE', 'RECEIVED'].includes(state.status))
    return { kind: 'skipped', reason: `status ${state.status}` };
  let failure: unknown;
  try {
    const outcome = await optimizeInRealTime(state, budgetMs, deps);
    if (outcome.kind === 'optimized') return outcome;
    failure = new UrgentNotPlacedError(
      `URGENT shipment ${state.shipmentId} could not be placed (${outcome.kind === 'unassigned' ? outcome.reason : 'timeout'})`,
    );
  } catch (error) {
    failure = error;
  }
  if (receive.count < receive.max) throw failure;
  const why = failure instanceof Error ? failure.message : String(failure);
  const reason = `URGENT: not placed in ${receive.count} attempts (${why})`;
  const current = await deps.store.get(detail.shipmentId);
  if (current?.version === detail.version && ['QUEUED', 'RECEIVED', 'OPTIMIZING'].includes(current.status)) {
    await giveUpShipment(current, reason, deps);
  }
  if (!(failure instanceof UrgentNotPlacedError)) throw failure;
  return { kind: 'given_up', reason };
}

/**
 * An URGENT shipment found no place in its region's plan (nothing fits, or the budget ran out).
 * Retried on p0 like a dependency failure: the plan may have room on the next receive.
 */
export class UrgentNotPlacedError extends DomainError {
  readonly fault = 'dependency';
  readonly code = 'urgent-not-placed';
}
