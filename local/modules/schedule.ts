import type { Clock } from '../../shared/domain/clock';

/** The daily comparison with the SCM runs at 03:30 UTC, locally as in AWS (infra/constructs/reconciliation.ts). */
export const DAILY_RECONCILIATION_UTC = { hour: 3, minute: 30 } as const;

/** The first instant strictly after `nowMs` that is `at` (UTC) on some day. */
export function nextDailyAt(nowMs: number, at: { hour: number; minute: number }): number {
  const today = new Date(nowMs);
  today.setUTCHours(at.hour, at.minute, 0, 0);
  const candidate = today.getTime();
  return candidate > nowMs ? candidate : candidate + 86_400_000;
}

/**
 * The local runtime's scheduler (what EventBridge Scheduler does in AWS), on the service clock: runs
 * `run` at each time `next` answers, one run at a time; a failed run is reported to `onError` and
 * the next one still comes. Resolves when `signal` aborts (during a wait or after a run).
 */
export async function onSchedule(
  clock: Clock,
  next: (nowMs: number) => number,
  signal: AbortSignal,
  run: () => Promise<unknown>,
  onError: (error: unknown) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await clock.sleep(Math.max(0, next(clock.now()) - clock.now()), signal);
    } catch {
      return; // stopped
    }
    try {
      await run();
    } catch (error) {
      onError(error);
    }
  }
}
