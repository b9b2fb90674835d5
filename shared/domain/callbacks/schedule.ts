/**
 * Contract §4: what each SCM answer means and when the next attempt is due. Pure; units are named
 * in every identifier (seconds unless it says otherwise).
 */

/** Attempts per delivery, the first one included. */
export const MAX_ATTEMPTS = 5;
/** Wait before attempt 2, 3, 4 and 5, after the previous attempt. */
export const RETRY_WAITS_SECONDS: readonly number[] = [30, 60, 120, 300];
/** A Retry-After longer than the scheduled wait is honoured up to this. */
export const RETRY_AFTER_CAP_SECONDS = 900;
/** One attempt gives up after this long without an answer. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

/** What the sender saw: an HTTP answer, no answer in time, or no connection. */
export type SendResult =
  | { kind: 'answered'; status: number; retryAfterSeconds?: number }
  | { kind: 'timeout' }
  | { kind: 'network'; message: string };

/**
 * - `applied` 2xx, `stale` 409, `gone` 410: the SCM decided; the delivery is over.
 * - `rejected`: any other 4xx but 408/429, permanent: no retry.
 * - `retryable`: 5xx, 408, 429, timeout, network error.
 * `healthy` says whether the endpoint worked (the circuit breaker counts only unhealthy answers).
 */
export type AnswerClass = 'applied' | 'stale' | 'gone' | 'rejected' | 'retryable';

export interface Answer {
  class: AnswerClass;
  healthy: boolean;
  statusCode?: number;
  retryAfterSeconds?: number;
  /** Human-readable, for the record, logs and the DLQ message. */
  description: string;
}

export function classifyAnswer(result: SendResult): Answer {
  if (result.kind === 'timeout') {
    return {
      class: 'retryable',
      healthy: false,
      description: `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`,
    };
  }
  if (result.kind === 'network') {
    return { class: 'retryable', healthy: false, description: `network error: ${result.message}` };
  }
  const { status } = result;
  const base = { statusCode: status, description: `SCM answered ${status}` };
  if (status >= 200 && status < 300) return { ...base, class: 'applied', healthy: true };
  if (status === 409) return { ...base, class: 'stale', healthy: true };
  if (status === 410) return { ...base, class: 'gone', healthy: true };
  if (status === 408 || status === 429 || status >= 500) {
    return {
      ...base,
      class: 'retryable',
      healthy: false,
      ...(result.retryAfterSeconds !== undefined ? { retryAfterSeconds: result.retryAfterSeconds } : {}),
    };
  }
  // Any other answer (4xx, and 1xx/3xx which a webhook endpoint must not send) is permanent.
  return { ...base, class: 'rejected', healthy: true };
}

/**
 * Seconds to wait after attempt number `attemptsMade` (1-based) before the next one, or undefined
 * when the attempts are used up. A Retry-After longer than the scheduled wait is honoured, capped.
 */
export function nextWaitSeconds(attemptsMade: number, retryAfterSeconds?: number): number | undefined {
  if (attemptsMade >= MAX_ATTEMPTS) return undefined;
  const scheduled = RETRY_WAITS_SECONDS[attemptsMade - 1];
  if (scheduled === undefined) return undefined;
  if (retryAfterSeconds !== undefined && retryAfterSeconds > scheduled) {
    return Math.min(Math.ceil(retryAfterSeconds), RETRY_AFTER_CAP_SECONDS);
  }
  return scheduled;
}
