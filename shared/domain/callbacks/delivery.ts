import {
  type AttemptTaskOutput,
  CALLBACK_FAILED,
  type CallbackDeadLetter,
  type CallbackFailedDetail,
  type CallbackMode,
  type CallbackOutcome,
  type CallbackRecord,
  DeliveryInput,
  type PrepareTaskOutput,
  type RouteUpdatedWebhookPayload,
  type UnassignedWebhookPayload,
  type WebhookPayload,
} from '../../schemas/callbacks';
import {
  ROUTE_UPDATED,
  type RouteOptimizedDetail,
  type RouteUpdatedDetail,
  SHIPMENT_UNASSIGNED,
  type ShipmentUnassignedDetail,
} from '../../schemas/events';
import type { ShipmentState } from '../../schemas/state';
import { type Clock, isoAt } from '../clock';
import { ConcurrencyConflictError, InternalError, ValidationError } from '../errors';
import { canTransition } from '../lifecycle';
import type { EventPublisher, IdGenerator, ShipmentStore } from '../ports';
import { type Transition, transition } from '../transitions';
import type { CoreLogger } from '../use-cases/dependencies';
import { acquirePermit, type BreakerConfig, type BreakerMemory, recordAnswer } from './breaker';
import type { BreakerStore, CallbackMetrics, CallbackStore, DeadLetterQueue, WebhookSender } from './ports';
import { callbackPath, type LiveShareSource } from './rollout';
import { type Answer, classifyAnswer, MAX_ATTEMPTS, nextWaitSeconds } from './schedule';

export interface CallbackConfig {
  /** The integration's callback URL; also the circuit-breaker key. */
  endpoint: string;
  mode: CallbackMode;
  /** Shadowed callbacks are sent here (if set) instead of the SCM. */
  shadowUrl?: string;
  /**
   * In `live` mode, the share of shipments delivered live (by shipment-id hash, rollout.ts); the
   * others are shadowed. Absent: every shipment live.
   */
  liveShare?: LiveShareSource;
  breaker: BreakerConfig;
}

export interface CallbackDeps {
  store: ShipmentStore;
  publisher: EventPublisher;
  clock: Clock;
  ids: IdGenerator;
  logger: CoreLogger;
  callbacks: CallbackStore;
  breakers: BreakerStore;
  sender: WebhookSender;
  deadLetters: DeadLetterQueue;
  metrics: CallbackMetrics;
  config: CallbackConfig;
  /** This process's knowledge of the breakers (see BreakerMemory). */
  breakerMemory?: BreakerMemory;
}

/** The path (live or shadow) of a new callback of this shipment: the mode, then the rollout share. */
async function pathOf(shipmentId: string, deps: CallbackDeps): Promise<CallbackMode> {
  if (deps.config.mode === 'shadow' || !deps.config.liveShare) return deps.config.mode;
  return callbackPath(shipmentId, deps.config.mode, await deps.config.liveShare.liveShare());
}

/** The webhook-id of the callback announced by one route.optimized event: stable for its lifetime. */
export const webhookIdOf = (routeOptimizedEventId: string) => `msg_${routeOptimizedEventId}`;

const secondsIso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function webhookPayload(detail: RouteOptimizedDetail, timestamp: string): WebhookPayload {
  return {
    type: 'shipment.route_optimized',
    timestamp,
    data: {
      shipmentId: detail.shipmentId,
      version: detail.version,
      correlationId: detail.correlationId,
      routeId: detail.routeId,
      vehicleId: detail.vehicleId,
      sequence: detail.sequence,
      stops: detail.stops,
      eta: detail.eta,
      batchId: detail.batchId,
      optimizedAt: detail.optimizedAt,
      ...planFields(detail),
    },
  };
}

export function unassignedPayload(
  detail: ShipmentUnassignedDetail,
  timestamp: string,
): UnassignedWebhookPayload {
  return {
    type: 'shipment.unassigned',
    timestamp,
    data: {
      shipmentId: detail.shipmentId,
      version: detail.version,
      correlationId: detail.correlationId,
      reason: detail.reason,
      ...(detail.planRevision !== undefined ? { planRevision: detail.planRevision } : {}),
    },
  };
}

export function routeUpdatedPayload(
  detail: RouteUpdatedDetail,
  timestamp: string,
): RouteUpdatedWebhookPayload {
  return {
    type: 'shipment.route_updated',
    timestamp,
    data: {
      shipmentId: detail.shipmentId,
      version: detail.version,
      correlationId: detail.correlationId,
      routeId: detail.routeId,
      vehicleId: detail.vehicleId,
      sequence: detail.sequence,
      stops: detail.stops,
      eta: detail.eta,
      batchId: detail.batchId,
      optimizedAt: detail.optimizedAt,
      reason: detail.reason,
      ...planFields(detail),
    },
  };
}

/** The optional fields of contract §3a (absent in events written before living plans). */
function planFields(detail: { planRevision?: number; final?: boolean }) {
  return {
    ...(detail.planRevision !== undefined ? { planRevision: detail.planRevision } : {}),
    ...(detail.final ? { final: true } : {}),
  };
}

/** A notice (shipment.unassigned, shipment.route_updated) tells the SCM something; its answer moves no shipment. */
const isNotice = (record: CallbackRecord) =>
  record.type !== undefined && record.type !== 'shipment.route_optimized';

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

/**
 * One attempt: asks the breaker, signs and sends, classifies the answer (contract §4) and settles
 * the shipment when the SCM decided. Returns what the state machine does next.
 */
export async function attemptDelivery(
  input: { webhookId: string; attempts: number; endpoint?: string },
  deps: CallbackDeps,
): Promise<AttemptTaskOutput> {
  const out = (
    outcome: AttemptTaskOutput['outcome'],
    extra: Partial<AttemptTaskOutput> = {},
  ): AttemptTaskOutput => ({
    attempts: input.attempts,
    outcome,
    waitSeconds: 0,
    resumeAt: new Date(deps.clock.now()).toISOString(),
    reason: '',
    ...extra,
  });
  // The callback goes to the integration's configured URL (the breaker key): a URL changed since
  // the callback was created applies to its remaining attempts and to redrives.
  const endpoint = deps.config.endpoint;
  if (deps.config.mode === 'live') {
    // Held behind a breaker this process knows to be closed to us: no read, no attempt, no count.
    const knownUntil = deps.breakerMemory?.heldUntil(endpoint, deps.clock.now());
    if (knownUntil !== undefined) {
      deps.metrics.count('CallbackHeld');
      return out('held', { resumeAt: new Date(knownUntil).toISOString(), reason: 'circuit open' });
    }
  }
  const record = await deps.callbacks.get(input.webhookId);
  if (!record) throw new InternalError(`callback ${input.webhookId} does not exist`);
  if (record.status === 'COMPLETED') {
    // Another delivery of this callback ended it: its shipment move may be what is left to do.
    await settleFromRecord(record, deps);
    return out('delivered', { reason: `already ${record.outcome ?? 'completed'}` });
  }
  if (record.status === 'FAILED') return out('failed', { reason: record.lastError ?? 'already failed' });

  if (record.mode === 'shadow') return shadowDelivery(record, deps, out);

  const permit = await acquirePermit(deps, endpoint, record.webhookId, deps.config.breaker);
  if (permit.kind === 'hold') {
    deps.metrics.count('CallbackHeld');
    const resumeAt = new Date(permit.until).toISOString();
    return out('held', { resumeAt, reason: 'circuit open' });
  }

  const attempts = input.attempts + 1;
  await updateRecord(deps, record.webhookId, (r) => ({
    ...r,
    status: 'IN_PROGRESS',
    endpoint,
    attempts,
    totalAttempts: r.totalAttempts + 1,
  }));
  deps.metrics.count('CallbackAttempts');
  const result = await deps.sender.send({
    url: endpoint,
    webhookId: record.webhookId,
    body: record.body,
    correlationId: record.correlationId,
  });
  const answer = classifyAnswer(result);
  await recordAnswer(deps, endpoint, record.webhookId, answer.healthy, deps.config.breaker);
  const logExtra = {
    webhookId: record.webhookId,
    shipmentId: record.shipmentId,
    attempt: attempts,
    answer: answer.description,
  };
  if (permit.kind === 'probe' && !answer.healthy)
    return failedProbe(record, input.attempts, answer, deps, out);

  if (answer.class === 'applied' || answer.class === 'stale' || answer.class === 'gone') {
    if (!isNotice(record)) await settleAnswered(deps, record, answer.class);
    await updateRecord(deps, record.webhookId, (r) => ({
      ...stripped(r, ['nextAttemptAt']),
      status: 'COMPLETED',
      outcome: answer.class as CallbackOutcome,
      ...(answer.statusCode !== undefined ? { lastStatusCode: answer.statusCode } : {}),
    }));
    deps.metrics.count('CallbackDelivered');
    deps.logger.info('callback delivered', { ...logExtra, correlationId: record.correlationId });
    return out('delivered', { attempts, reason: answer.description });
  }

  deps.metrics.count('CallbackAttemptFailed');
  const wait = answer.class === 'retryable' ? nextWaitSeconds(attempts, answer.retryAfterSeconds) : undefined;
  const failure = {
    lastError: answer.description,
    ...(answer.statusCode !== undefined ? { lastStatusCode: answer.statusCode } : {}),
  };
  if (wait === undefined) {
    const outcome: CallbackOutcome = answer.class === 'rejected' ? 'rejected' : 'exhausted';
    const reason =
      outcome === 'rejected'
        ? `${answer.description}: permanent`
        : `${MAX_ATTEMPTS} attempts failed, last: ${answer.description}`;
    await updateRecord(deps, record.webhookId, (r) => ({
      ...stripped(r, ['nextAttemptAt']),
      ...failure,
      outcome,
      lastError: reason,
    }));
    deps.logger.warn('callback failed', { ...logExtra, reason, correlationId: record.correlationId });
    return out('failed', { attempts, reason });
  }
  const nextAttemptAt = new Date(deps.clock.now() + wait * 1000).toISOString();
  await updateRecord(deps, record.webhookId, (r) => ({ ...r, ...failure, nextAttemptAt }));
  deps.logger.info('callback attempt failed, retrying', {
    ...logExtra,
    waitSeconds: wait,
    correlationId: record.correlationId,
  });
  return out('retry', { attempts, waitSeconds: wait, reason: answer.description });
}

/**
 * A half-open probe the SCM did not take: it tested the endpoint for every delivery held behind the
 * breaker, so it is not one of this delivery's attempts (contract §4: while the breaker is not
 * closed, no attempt is counted). The attempt count goes back to what it was, the breaker is open
 * again, and this delivery waits with the others; an outage of hours uses up nobody's attempts.
 */
async function failedProbe(
  record: CallbackRecord,
  attemptsBefore: number,
  answer: Answer,
  deps: CallbackDeps,
  out: (o: AttemptTaskOutput['outcome'], extra?: Partial<AttemptTaskOutput>) => AttemptTaskOutput,
): Promise<AttemptTaskOutput> {
  const now = deps.clock.now();
  const until = deps.breakerMemory?.heldUntil(deps.config.endpoint, now) ?? now + deps.config.breaker.openMs;
  await updateRecord(deps, record.webhookId, (r) => ({
    ...stripped(r, ['nextAttemptAt']),
    attempts: attemptsBefore,
    lastError: `circuit probe: ${answer.description}`,
    ...(answer.statusCode !== undefined ? { lastStatusCode: answer.statusCode } : {}),
  }));
  deps.metrics.count('CallbackProbeFailed');
  deps.logger.info('circuit probe failed: the breaker stays open, the attempt is not counted', {
    webhookId: record.webhookId,
    shipmentId: record.shipmentId,
    answer: answer.description,
    attempts: attemptsBefore,
    correlationId: record.correlationId,
  });
  return out('held', {
    attempts: attemptsBefore,
    resumeAt: new Date(until).toISOString(),
    reason: 'circuit open',
  });
}

async function shadowDelivery(
  record: CallbackRecord,
  deps: CallbackDeps,
  out: (o: AttemptTaskOutput['outcome'], extra?: Partial<AttemptTaskOutput>) => AttemptTaskOutput,
): Promise<AttemptTaskOutput> {
  let reason = 'shadow: recorded, not sent to the SCM';
  const request = {
    url: deps.config.shadowUrl ?? record.endpoint,
    webhookId: record.webhookId,
    body: record.body,
    correlationId: record.correlationId,
  };
  // The headers the SCM would have received (signed with the current secrets), kept for comparison.
  const headers = await deps.sender.signedHeaders(request);
  let answer: string | undefined;
  if (deps.config.shadowUrl) {
    answer = classifyAnswer(await deps.sender.send(request, headers)).description;
    reason = `shadow: sent to the shadow URL, ${answer}`;
  }
  const shadowedAt = new Date(deps.clock.now()).toISOString();
  await updateRecord(deps, record.webhookId, (r) => ({
    ...r,
    status: 'COMPLETED',
    outcome: 'shadowed',
    lastError: reason,
    shadow: {
      at: shadowedAt,
      headers,
      ...(deps.config.shadowUrl ? { sentTo: deps.config.shadowUrl } : {}),
      ...(answer ? { answer } : {}),
    },
  }));
  deps.metrics.count('CallbackShadowed');
  deps.logger.info('callback shadowed', {
    webhookId: record.webhookId,
    shipmentId: record.shipmentId,
    reason,
  });
  return out('delivered', { attempts: 1, reason });
}

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

function failedDetail(record: CallbackRecord, reason: string): CallbackFailedDetail {
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
function failShipment(deps: CallbackDeps, record: CallbackRecord, reason: string) {
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
async function settleAnswered(
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
async function moveShipment(
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

/** Read-modify-write of a callback record on its `rev`; `change` returning undefined aborts. */
async function updateRecord(
  deps: Pick<CallbackDeps, 'callbacks' | 'clock'>,
  webhookId: string,
  change: (r: CallbackRecord) => CallbackRecord | undefined,
): Promise<CallbackRecord | undefined> {
  for (let i = 0; i < 10; i++) {
    const current = await deps.callbacks.get(webhookId);
    if (!current) throw new InternalError(`callback ${webhookId} does not exist`);
    const changed = change(current);
    if (!changed) return undefined;
    const next = { ...changed, rev: current.rev + 1, updatedAt: isoAt(deps.clock) };
    if (await deps.callbacks.replace(next, current.rev)) return next;
  }
  throw new ConcurrencyConflictError(`callback ${webhookId} kept changing`);
}

function stripped<T extends object, K extends keyof T>(value: T, keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const k of keys) delete copy[k];
  return copy;
}
