import {
  type CallbackDeadLetter,
  type CallbackRecord,
  DeliveryInput,
  type PrepareTaskOutput,
} from '../../schemas/callbacks';
import { ROUTE_UPDATED, SHIPMENT_UNASSIGNED } from '../../schemas/events';
import { ValidationError } from '../errors';
import { type CallbackDeps, isNotice, pathOf, stripped, updateRecord } from './delivery';
import { routeUpdatedPayload, secondsIso, unassignedPayload, webhookIdOf, webhookPayload } from './payloads';
import { moveShipment } from './settle';

/**
 * First task of a delivery. From a route.optimized event: creates the callback (PENDING) and moves
 * the shipment OPTIMIZED → CALLBACK_PENDING. From a redrive: puts the failed callback back to
 * PENDING under this execution, same webhook-id and body, CALLBACK_FAILED → CALLBACK_PENDING.
 * A duplicate event (at-least-once bus) or an overtaken route is skipped.
 */
export async function prepareDelivery(
  raw: { event: unknown; executionId: string },
  deps: CallbackDeps,
): Promise<PrepareTaskOutput> {
  const parsed = DeliveryInput.safeParse(raw.event);
  if (!parsed.success) {
    throw new ValidationError('not a delivery input', [{ field: '', message: parsed.error.message }]);
  }
  const input = parsed.data;
  const now = deps.clock.now();
  if ('redrive' in input) return restartDelivery(input.redrive, raw.executionId, deps, 'redrive');
  if ('resume' in input) return resumeDelivery(input.resume.webhookId, raw.executionId, deps);
  if ('resend' in input) return resendDelivery(input.resend, raw.executionId, deps);

  const timestamp = secondsIso(now);
  const detail = input.detail;
  const [type, payload] =
    input['detail-type'] === SHIPMENT_UNASSIGNED
      ? (['shipment.unassigned', unassignedPayload(input.detail, timestamp)] as const)
      : input['detail-type'] === ROUTE_UPDATED
        ? (['shipment.route_updated', routeUpdatedPayload(input.detail, timestamp)] as const)
        : (['shipment.route_optimized', webhookPayload(input.detail, timestamp)] as const);
  const notice = type !== 'shipment.route_optimized';
  const webhookId = webhookIdOf(detail.eventId);
  const body = JSON.stringify(payload);
  const record: CallbackRecord = {
    webhookId,
    ...(notice ? { type } : {}),
    shipmentId: detail.shipmentId,
    version: detail.version,
    correlationId: detail.correlationId,
    endpoint: deps.config.endpoint,
    mode: await pathOf(detail.shipmentId, deps),
    body,
    status: 'PENDING',
    attempts: 0,
    totalAttempts: 0,
    deliveries: 1,
    executionId: raw.executionId,
    createdAt: new Date(now).toISOString(),
    updatedAt: new Date(now).toISOString(),
    rev: 1,
  };
  if (!(await deps.callbacks.create(record))) {
    const existing = await deps.callbacks.get(webhookId);
    if (existing?.executionId !== raw.executionId) {
      deps.logger.info('duplicate event: the callback has its delivery already', { webhookId });
      return { webhookId, endpoint: record.endpoint, skip: true, reason: 'duplicate' };
    }
  }
  if (notice) return { webhookId, endpoint: record.endpoint, skip: false };
  const moved = await moveShipment(deps, record, 'OPTIMIZED', (stored) => ({
    type: 'shipment.callback_pending',
    to: 'CALLBACK_PENDING',
    version: stored.version,
    correlationId: record.correlationId,
    callbackMode: record.mode,
    patch: {},
  }));
  if (moved === 'gone') {
    await updateRecord(deps, webhookId, (r) => ({ ...r, status: 'COMPLETED', outcome: 'superseded' }));
    return { webhookId, endpoint: record.endpoint, skip: true, reason: 'superseded' };
  }
  return { webhookId, endpoint: record.endpoint, skip: false };
}

async function restartDelivery(
  letter: CallbackDeadLetter,
  executionId: string,
  deps: CallbackDeps,
  why: 'redrive',
): Promise<PrepareTaskOutput> {
  const { webhookId } = letter;
  const now = new Date(deps.clock.now()).toISOString();
  const existing = await deps.callbacks.get(webhookId);
  if (!existing) {
    // The record is gone (e.g. restored table): the dead letter carries all that is needed.
    await deps.callbacks.create({
      webhookId,
      shipmentId: letter.shipmentId,
      version: letter.version,
      correlationId: letter.correlationId,
      endpoint: letter.endpoint,
      mode: await pathOf(letter.shipmentId, deps),
      body: letter.body,
      status: 'PENDING',
      attempts: 0,
      totalAttempts: letter.attempts,
      deliveries: 2,
      executionId,
      createdAt: now,
      updatedAt: now,
      rev: 1,
    });
  } else if (existing.executionId !== executionId) {
    if (existing.status !== 'FAILED') {
      deps.logger.info(`${why}: the callback is not failed, nothing to do`, {
        webhookId,
        status: existing.status,
      });
      return { webhookId, endpoint: existing.endpoint, skip: true, reason: `callback is ${existing.status}` };
    }
    const updated = await updateRecord(deps, webhookId, (r) =>
      r.status === 'FAILED'
        ? {
            ...stripped(r, ['outcome', 'deadLetteredAt', 'nextAttemptAt']),
            status: 'PENDING',
            attempts: 0,
            deliveries: r.deliveries + 1,
            executionId,
          }
        : undefined,
    );
    if (!updated)
      return { webhookId, endpoint: letter.endpoint, skip: true, reason: 'taken by another delivery' };
  }
  const record = (await deps.callbacks.get(webhookId)) as CallbackRecord;
  if (!isNotice(record))
    await moveShipment(deps, record, 'CALLBACK_FAILED', (stored) => ({
      type: 'shipment.callback_pending',
      to: 'CALLBACK_PENDING',
      version: stored.version,
      correlationId: record.correlationId,
      callbackMode: record.mode,
      patch: { statusReason: null },
    }));
  deps.logger.info(`callback ${why}: delivery restarts with the same webhook-id`, { webhookId });
  return { webhookId, endpoint: record.endpoint, skip: false };
}

async function resumeDelivery(
  webhookId: string,
  executionId: string,
  deps: CallbackDeps,
): Promise<PrepareTaskOutput> {
  const updated = await updateRecord(deps, webhookId, (r) =>
    r.status === 'PENDING' || r.status === 'IN_PROGRESS' ? { ...r, executionId } : undefined,
  );
  if (!updated) return { webhookId, endpoint: deps.config.endpoint, skip: true, reason: 'not pending' };
  // The previous delivery may have stopped between creating the callback and moving the shipment.
  const moved = await moveShipment(deps, updated, 'OPTIMIZED', (stored) => ({
    type: 'shipment.callback_pending',
    to: 'CALLBACK_PENDING',
    version: stored.version,
    correlationId: updated.correlationId,
    patch: {},
  }));
  if (moved === 'gone') {
    // A newer version or a cancellation: the callback no longer speaks for the shipment. (At the
    // same version in another status, e.g. applied just before the stop, the delivery goes on with
    // the same webhook-id: the SCM takes it once.)
    const stored = await deps.store.get(updated.shipmentId);
    if (stored?.version !== updated.version || stored.status === 'CANCELLED') {
      await updateRecord(deps, webhookId, (r) => ({ ...r, status: 'COMPLETED', outcome: 'superseded' }));
      return { webhookId, endpoint: updated.endpoint, skip: true, reason: 'superseded' };
    }
  }
  return { webhookId, endpoint: updated.endpoint, skip: false };
}

/**
 * A settled callback sent again (operator re-drive, daily reconciliation): the same webhook-id and
 * body, for the same version, so the SCM takes it once. The record goes back to PENDING under this
 * execution only if it is COMPLETED or FAILED and was not re-sent for this `key` already (a write
 * conditional on its revision: of two executions with one key, one goes on). A CALLBACK_FAILED
 * shipment is CALLBACK_PENDING again; a ROUTE_APPLIED one stays as it is. Skipped when the
 * shipment has moved on to another version or was cancelled, and for a shadow copy.
 */
async function resendDelivery(
  resend: { webhookId: string; key: string },
  executionId: string,
  deps: CallbackDeps,
): Promise<PrepareTaskOutput> {
  const { webhookId, key } = resend;
  const skip = (reason: string, endpoint = deps.config.endpoint): PrepareTaskOutput => {
    deps.logger.info('callback re-send skipped', { webhookId, key, reason });
    return { webhookId, endpoint, skip: true, reason };
  };
  const existing = await deps.callbacks.get(webhookId);
  if (!existing) return skip('no callback record');
  if (existing.mode === 'shadow') return skip('a shadow copy is not re-sent', existing.endpoint);
  const stored = await deps.store.get(existing.shipmentId);
  if (!stored || stored.version !== existing.version || stored.status === 'CANCELLED')
    return skip('superseded: the shipment moved on', existing.endpoint);
  const updated = await updateRecord(deps, webhookId, (r) =>
    (r.status === 'COMPLETED' || r.status === 'FAILED') && r.resentFor !== key
      ? {
          ...stripped(r, ['outcome', 'deadLetteredAt', 'nextAttemptAt']),
          status: 'PENDING',
          attempts: 0,
          deliveries: r.deliveries + 1,
          executionId,
          resentFor: key,
        }
      : undefined,
  );
  if (!updated) {
    const now = await deps.callbacks.get(webhookId);
    return skip(
      now?.resentFor === key ? `already re-sent for ${key}` : `callback is ${now?.status ?? 'gone'}`,
      existing.endpoint,
    );
  }
  if (!isNotice(updated) && stored.status === 'CALLBACK_FAILED')
    await moveShipment(deps, updated, 'CALLBACK_FAILED', (s) => ({
      type: 'shipment.callback_pending',
      to: 'CALLBACK_PENDING',
      version: s.version,
      correlationId: updated.correlationId,
      callbackMode: updated.mode,
      patch: { statusReason: null },
    }));
  deps.logger.info('callback re-sent with the same webhook-id', { webhookId, key });
  return { webhookId, endpoint: updated.endpoint, skip: false };
}
