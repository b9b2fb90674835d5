import type { GeoPoint, MatrixPort, MatrixResult } from './types';

/** What happened when the primary port could not answer. */
export interface MatrixFallbackEvent {
  error: unknown;
  /** True when the primary did not answer within `timeoutMs`. */
  timedOut: boolean;
  points: number;
}

export interface MatrixFallbackOptions {
  /** Stop waiting for the primary after this many ms (default: wait for it). */
  timeoutMs?: number;
  /** Told once per call that was answered by the fallback (log, metric). */
  onFallback?: (event: MatrixFallbackEvent) => void;
  /** Waits `ms` (default: a wall-clock timer); injected by tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The error a timed-out primary is reported with. */
export class MatrixTimeoutError extends Error {
  constructor(ms: number) {
    super(`matrix provider did not answer within ${ms} ms`);
    this.name = 'MatrixTimeoutError';
  }
}

/**
 * A port that asks `primary` and, when it fails or does not answer within `timeoutMs`, answers
 * that call from `fallback` (the great-circle estimate) instead: a road-network outage or
 * throttling then costs plan quality for a while, never a batch or the URGENT budget. A primary
 * that answers after the timeout still completes in the background (a cache behind it keeps
 * the answer for the next call).
 */
export function withFallback(
  primary: MatrixPort,
  fallback: MatrixPort,
  options: MatrixFallbackOptions = {},
): MatrixPort {
  const sleep = options.sleep ?? wallClockSleep;
  return {
    async matrix(points: GeoPoint[]): Promise<MatrixResult> {
      const attempt = (async () => primary.matrix(points))();
      const timer = new AbortController();
      try {
        return await (options.timeoutMs === undefined
          ? attempt
          : Promise.race([
              attempt,
              sleep(options.timeoutMs, timer.signal).then(() => {
                throw new MatrixTimeoutError(options.timeoutMs!);
              }),
            ]));
      } catch (error) {
        // the primary may still fail later: nobody waits for it any more
        attempt.catch(() => {});
        options.onFallback?.({ error, timedOut: error instanceof MatrixTimeoutError, points: points.length });
        return fallback.matrix(points);
      } finally {
        timer.abort();
      }
    },
  };
}

function wallClockSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const handle = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(handle);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
