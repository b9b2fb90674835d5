import type { AttemptTaskOutput, CallbackOutcome, CallbackRecord } from '../../schemas/callbacks';
import { InternalError } from '../errors';
import { acquirePermit, recordAnswer } from './breaker';
import { type CallbackDeps, isNotice, stripped, updateRecord } from './delivery';
import { type Answer, classifyAnswer, MAX_ATTEMPTS, nextWaitSeconds } from './schedule';
import { settleAnswered, settleFromRecord } from './settle';

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
