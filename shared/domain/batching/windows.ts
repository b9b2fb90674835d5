import type { BatchWindow } from '../../schemas/batching';
import type { ShipmentEventDetail } from '../../schemas/events';
import { isoAt } from '../clock';
import type { BatchingDeps } from './dependencies';

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
 * The scheduler tick: closes every window that is due, and re-sends the job of any window that
 * has been CLOSING for too long (its job was lost or its optimizer died).
 */
export async function closeDueWindows(deps: BatchingDeps): Promise<{ closed: number; resent: number }> {
  const now = deps.clock.now();
  let closed = 0;
  for (const window of await deps.windows.dueWindows(new Date(now).toISOString(), 100)) {
    if (await closeWindow(window, 'due', deps)) closed++;
  }
  const stuckBefore = new Date(now - deps.settings.stuckWindowMs).toISOString();
  let resent = 0;
  for (const window of await deps.windows.closingWindows(stuckBefore, 100)) {
    await deps.jobs.enqueue({ windowId: window.windowId, priority: window.priority, region: window.region });
    resent++;
  }
  return { closed, resent };
}
