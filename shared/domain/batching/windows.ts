import type { BatchWindow } from '../../schemas/batching';
import type { ShipmentEventDetail } from '../../schemas/events';
import { isoAt } from '../clock';
import { abandonWindow } from './batch-job';
import type { BatchingDeps } from './batching-deps';

export type EnqueueOutcome =
  | { kind: 'added'; windowId: string; closedEarly: boolean }
  | { kind: 'duplicate'; windowId: string }
  | { kind: 'skipped'; reason: string };

/**
 * A STANDARD or BULK shipment message: add the shipment to its region's open window for its
 * priority (opening one if needed). A full window closes at once. Only a shipment that is still
 * waiting (QUEUED or STALE) at the announced version is added; anything else is an outdated message.
 */
export async function enqueueShipment(
  detail: ShipmentEventDetail,
  deps: BatchingDeps,
): Promise<EnqueueOutcome> {
  const state = await deps.store.get(detail.shipmentId);
  if (!state) return { kind: 'skipped', reason: 'unknown shipment' };
  if (state.version !== detail.version)
    return { kind: 'skipped', reason: `version ${detail.version} superseded by ${state.version}` };
  if (state.status !== 'QUEUED' && state.status !== 'STALE')
    return { kind: 'skipped', reason: `status ${state.status}` };
  if (state.priority === 'URGENT') return { kind: 'skipped', reason: 'URGENT shipments are not batched' };
  const now = deps.clock.now();
  const result = await deps.windows.addMember(
    { priority: state.priority, region: state.region },
    { shipmentId: state.shipmentId, version: state.version },
    {
      now: new Date(now).toISOString(),
      closesAt: new Date(now + (deps.settings.windowMs[state.priority] ?? 600_000)).toISOString(),
      maxSize: deps.settings.maxBatchSize,
      newWindowId: () => deps.ids.next(),
    },
  );
  if (!result.added) return { kind: 'duplicate', windowId: result.window.windowId };
  if (result.full) await closeWindow(result.window, 'full', deps);
  return { kind: 'added', windowId: result.window.windowId, closedEarly: result.full };
}

/** Claims the window (OPEN → CLOSING, one winner) and hands it to the batch optimizer. */
export async function closeWindow(
  window: BatchWindow,
  reason: 'due' | 'full',
  deps: BatchingDeps,
): Promise<boolean> {
  const claimed = await deps.windows.claim(window.windowId, reason, isoAt(deps.clock));
  if (!claimed) return false;
  await deps.jobs.enqueue({ windowId: claimed.windowId, priority: claimed.priority, region: claimed.region });
  deps.logger.info('window closed', {
    windowId: claimed.windowId,
    region: claimed.region,
    priority: claimed.priority,
    reason,
    count: claimed.count,
  });
  return true;
}

/**
 * The scheduler tick: closes every window that is due, and re-sends the job of a window CLOSING
 * for too long with no optimizer run on it (its job was lost, or dead-lettered without being
 * given up). Re-sends back off (the stuck time, then twice, four times it...) and are counted on
 * the window; after `maxWindowResends` the window is given up (abandonWindow). One window's
 * failure never stops the tick for the others.
 */
export async function closeDueWindows(
  deps: BatchingDeps,
): Promise<{ closed: number; resent: number; failed: number }> {
  const now = deps.clock.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  let closed = 0;
  for (const window of await deps.windows.dueWindows(iso(now), 100)) {
    try {
      if (await closeWindow(window, 'due', deps)) closed++;
    } catch (error) {
      deps.logger.error('closing a due window failed', { windowId: window.windowId, error: String(error) });
    }
  }
  const { stuckWindowMs, maxWindowResends } = deps.settings;
  let resent = 0;
  let failed = 0;
  for (const window of await deps.windows.closingWindows(iso(now - stuckWindowMs), 100)) {
    try {
      const resends = window.resends ?? 0;
      if (resends >= maxWindowResends) {
        const reason = `its job was sent ${resends + 1} times and no optimization finished${window.lastError ? ` (last error: ${window.lastError})` : ''}`;
        if (await abandonWindow(window, reason, deps)) failed++;
        continue;
      }
      // Looked at now: the next check comes stuckWindowMs × 2^(resends + 1) from now.
      const busyUntil = now + stuckWindowMs * (2 ** (resends + 1) - 1);
      if (!(await deps.windows.recordResend(window.windowId, resends + 1, iso(busyUntil)))) continue;
      await deps.jobs.enqueue({
        windowId: window.windowId,
        priority: window.priority,
        region: window.region,
      });
      deps.logger.warn('stuck window: job sent again', {
        windowId: window.windowId,
        region: window.region,
        resends: resends + 1,
      });
      resent++;
    } catch (error) {
      deps.logger.error('re-sending a stuck window failed', {
        windowId: window.windowId,
        error: String(error),
      });
    }
  }
  return { closed, resent, failed };
}
