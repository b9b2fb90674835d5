import type { BatchJob, BatchWindow } from '../../schemas/batching';
import { isoAt } from '../clock';
import type { BatchingDeps } from './batching-deps';
import { type OptimizeOutcome, optimizeWindow, optimizingReason, RegionBusyError } from './optimize-window';
import { giveUpShipment } from './unplanned';

/**
 * One receive of a batch job. A failed run keeps its error on the window and fails the job, which
 * SQS brings back after its visibility timeout; on the last receive (then the job goes to its DLQ)
 * the window is given up: FAILED, its waiting shipments released with the reason. A busy region is
 * not a failure of the window, nor a failed receive: the job is sent again with a delay (about one
 * batch budget, wall time) and this message is done, so waiting for a region never drives a job
 * towards its DLQ (the tick re-sends it if it is lost).
 */
export async function runBatchJob(
  job: BatchJob,
  receive: { count: number; max: number },
  deps: BatchingDeps,
): Promise<OptimizeOutcome | { kind: 'deferred'; delaySeconds: number; reason: string }> {
  try {
    return await optimizeWindow(job, deps);
  } catch (error) {
    if (error instanceof RegionBusyError) {
      const delaySeconds = Math.min(900, Math.max(1, Math.ceil(deps.settings.batchBudgetMs / 1000)));
      await deps.jobs.enqueue(job, { delaySeconds });
      deps.logger.info('region busy: batch job sent again later', {
        windowId: job.windowId,
        region: job.region,
        delaySeconds,
        reason: error.message,
      });
      return { kind: 'deferred', delaySeconds, reason: error.message };
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await deps.windows.recordError(job.windowId, message);
    if (receive.count >= receive.max) {
      const window = await deps.windows.get(job.windowId);
      if (window?.status === 'CLOSING') {
        await abandonWindow(
          window,
          `its optimization failed on ${receive.count} attempts (${message})`,
          deps,
        );
      }
    }
    throw error;
  }
}

/**
 * Gives a CLOSING window up (one winner): FAILED with the reason, and each member still waiting for
 * it (QUEUED, or OPTIMIZING in this window) is given up with the reason (giveUpShipment), so
 * nothing stays QUEUED or OPTIMIZING forever behind a window that cannot be optimized.
 */
export async function abandonWindow(
  window: BatchWindow,
  reason: string,
  deps: BatchingDeps,
): Promise<boolean> {
  if (!(await deps.windows.markFailed(window.windowId, reason, isoAt(deps.clock)))) return false;
  deps.logger.error('window given up', {
    windowId: window.windowId,
    region: window.region,
    priority: window.priority,
    reason,
  });
  for (const member of await deps.windows.members(window.windowId)) {
    const state = await deps.store.get(member.shipmentId);
    if (!state || state.version !== member.version) continue;
    const waiting =
      state.status === 'QUEUED' ||
      (state.status === 'OPTIMIZING' && state.statusReason === optimizingReason(window.windowId));
    if (waiting) await giveUpShipment(state, `window ${window.windowId} was given up: ${reason}`, deps);
  }
  return true;
}
