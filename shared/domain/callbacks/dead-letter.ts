import { CALLBACK_FAILED } from '../../schemas/callbacks';
import { InternalError } from '../errors';
import { type CallbackDeps, isNotice, updateRecord } from './delivery';
import { failedDetail, failShipment, settleFromRecord } from './settle';

/**
 * Last task of a failed delivery: the dead letter (webhook-id and body kept, for redrive), the
 * callback FAILED, the shipment CALLBACK_FAILED and `callback.failed` on the bus.
 */
export async function deadLetterDelivery(input: { webhookId: string; reason: string }, deps: CallbackDeps) {
  const record = await deps.callbacks.get(input.webhookId);
  if (!record) throw new InternalError(`callback ${input.webhookId} does not exist`);
  if (record.status === 'FAILED' && record.deadLetteredAt) {
    // Dead-lettered already (a retried task, or a stop before the shipment moved): finish that.
    await settleFromRecord(record, deps);
    return { deadLettered: false };
  }
  const failedAt = new Date(deps.clock.now()).toISOString();
  await deps.deadLetters.send({
    kind: 'callback',
    webhookId: record.webhookId,
    shipmentId: record.shipmentId,
    version: record.version,
    correlationId: record.correlationId,
    endpoint: record.endpoint,
    body: record.body,
    attempts: record.attempts,
    reason: input.reason,
    failedAt,
  });
  await updateRecord(deps, record.webhookId, (r) => ({
    ...r,
    status: 'FAILED',
    outcome: r.outcome ?? 'exhausted',
    lastError: input.reason,
    deadLetteredAt: failedAt,
  }));
  const detail = failedDetail(record, input.reason);
  const moved = isNotice(record) ? 'gone' : await failShipment(deps, record, input.reason);
  if (moved === 'gone')
    await deps.publisher.publish([{ detailType: CALLBACK_FAILED, detail: { ...detail } }]);
  deps.metrics.count('CallbackFailed');
  deps.logger.warn('callback dead-lettered', { ...detail });
  return { deadLettered: true };
}
