/**
 * What every task of a callback delivery shares: its dependencies and configuration, the path of a
 * new callback, and the read-modify-write of a callback record. The tasks are prepare.ts (first
 * task), attempt.ts (one send), dead-letter.ts (last task of a failed delivery); settle.ts moves the
 * shipment a callback's answer calls for; payloads.ts builds the webhook bodies.
 */
import type { CallbackMode, CallbackRecord } from '../../schemas/callbacks';
import { type Clock, isoAt } from '../clock';
import { ConcurrencyConflictError, InternalError } from '../errors';
import type { CoreLogger, EventPublisher, IdGenerator, ShipmentStore } from '../ports';
import type { BreakerConfig, BreakerMemory } from './breaker';
import type { BreakerStore, CallbackMetrics, CallbackStore, DeadLetterQueue, WebhookSender } from './ports';
import { callbackPath, type LiveShareSource } from './rollout';

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
export async function pathOf(shipmentId: string, deps: CallbackDeps): Promise<CallbackMode> {
  if (deps.config.mode === 'shadow' || !deps.config.liveShare) return deps.config.mode;
  return callbackPath(shipmentId, deps.config.mode, await deps.config.liveShare.liveShare());
}

/** A notice (shipment.unassigned, shipment.route_updated) tells the SCM something; its answer moves no shipment. */
export const isNotice = (record: CallbackRecord) =>
  record.type !== undefined && record.type !== 'shipment.route_optimized';

/** Read-modify-write of a callback record on its `rev`; `change` returning undefined aborts. */
export async function updateRecord(
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

export function stripped<T extends object, K extends keyof T>(value: T, keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const k of keys) delete copy[k];
  return copy;
}
