import type { CallbackRecord, DeliveryInput } from '../../schemas/callbacks';
import type { ShipmentState } from '../../schemas/state';
import { webhookIdOf } from '../callbacks/payloads';
import type { CallbackStore, DeliveryStarter } from '../callbacks/ports';
import type { ShipmentStore } from '../ports';

/**
 * What the operations tooling (the daily reconciliation, replay --redrive) shares to send a
 * callback again: finding the callback of a shipment's version, and starting a delivery under an
 * execution name that Step Functions accepts once.
 */

/** The callback of `state`'s version: the one its last route.optimized event at that version announced. */
export async function callbackOf(
  state: Pick<ShipmentState, 'shipmentId' | 'version'>,
  deps: { store: Pick<ShipmentStore, 'events'>; callbacks: Pick<CallbackStore, 'get'> },
): Promise<{ webhookId?: string; record?: CallbackRecord }> {
  const events = await deps.store.events(state.shipmentId);
  const optimized = events
    .filter((e) => e.version === state.version && e.outbox?.detailType === 'route.optimized')
    .at(-1);
  if (!optimized) return {};
  const webhookId = webhookIdOf(optimized.eventId);
  const record = await deps.callbacks.get(webhookId);
  return record ? { webhookId, record } : { webhookId };
}

/** A Step Functions execution name (80 characters of `[A-Za-z0-9_-]`) from its parts. */
export function executionName(...parts: (string | number)[]): string {
  return parts
    .join('-')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 80);
}

/**
 * Starts one delivery; `already` when an execution of that name exists (Step Functions refuses a
 * name twice: an overlapping or earlier run started it), whatever adapter error wraps the refusal.
 */
export async function startDeliveryOnce(
  deliveries: DeliveryStarter,
  input: DeliveryInput,
  name: string,
): Promise<'started' | 'already'> {
  try {
    await deliveries.start(input, name);
    return 'started';
  } catch (error) {
    if (isExecutionAlreadyExists(error)) return 'already';
    throw error;
  }
}

function isExecutionAlreadyExists(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const text = `${(e as Error).name ?? ''} ${(e as Error).message ?? ''}`;
    if (/ExecutionAlreadyExists/.test(text)) return true;
  }
  return false;
}
