import { wallBudget } from '../clock';
import { ConcurrencyConflictError } from '../errors';
import { derivePriority } from '../priority';
import { type SubmitCommand, type SubmitResult, submitShipment } from '../use-cases/shipments';
import type { BatchingDeps } from './batching-deps';
import { optimizeInRealTime, type RealtimeOutcome } from './urgent-insertion';

export interface AcceptResult extends SubmitResult {
  /** Set for URGENT shipments: what the real-time optimization did. */
  realtime?: RealtimeOutcome;
}

/**
 * POST/PUT of a shipment. URGENT ones are optimized in real time inside the call (contract §3:
 * 10 s in all): held as RECEIVED, inserted into the region's current plan, and committed OPTIMIZED
 * with their route; if the budget runs out or nothing fits, they are queued on p0 (202).
 */
export async function acceptShipment(
  cmd: SubmitCommand,
  deps: BatchingDeps,
  /** When the call began, on the wall-time stopwatch (`clock.wallMs()`): the budget is wall time. */
  startedAt = deps.clock.wallMs(),
): Promise<AcceptResult> {
  const derived = derivePriority(cmd.body, deps.priorityPolicy);
  if (derived !== 'URGENT') return submitShipment(cmd, deps);
  const held = await submitShipment({ ...cmd, hold: true }, deps);
  if (held.state.status !== 'RECEIVED') return held;
  // The same version sent again while it is still held: either its first call is inside its
  // insertion (leave it), or that call died (a crash, a Lambda timeout) and nothing will ever
  // queue it. After the whole budget it is the latter: this call does the insertion instead.
  if (held.outcome === 'replayed' && !heldByAnEndedCall(held.state, deps)) return held;
  const announceAs = held.state.revision > 1 ? 'shipment.updated' : 'shipment.created';

  const remaining = wallBudget(deps.clock, deps.settings.urgentBudgetMs, startedAt).remainingMs();
  const spent = wallBudget(deps.clock);
  let outcome: RealtimeOutcome;
  try {
    outcome = await optimizeInRealTime(held.state, Math.max(0, remaining - 200), deps, announceAs);
  } catch (err) {
    // A replay that lost the claim to another call: that one does the insertion.
    if (held.outcome === 'replayed' && err instanceof ConcurrencyConflictError)
      return { ...held, state: (await deps.store.get(held.state.shipmentId)) ?? held.state };
    throw err;
  }
  deps.metrics.realtimeOptimized({ outcome: outcome.kind, seconds: spent.elapsedMs() / 1000 });
  // Optimized: the state this call committed (OPTIMIZED with its route), even when the callback's
  // delivery has already moved the stored one on. Otherwise the stored one (queued or unchanged).
  const state =
    outcome.kind === 'optimized'
      ? outcome.state
      : ((await deps.store.get(held.state.shipmentId)) ?? held.state);
  return { ...held, state, realtime: outcome };
}

/**
 * A held (RECEIVED) shipment whose holding call has ended without queuing or optimizing it: held
 * for longer than the whole real-time budget, on the service clock (at least the wall time). Only
 * URGENT shipments are ever held, so the state's priority needs no check.
 */
function heldByAnEndedCall(state: AcceptResult['state'], deps: BatchingDeps): boolean {
  return deps.clock.now() - Date.parse(state.updatedAt) >= deps.settings.urgentBudgetMs;
}
