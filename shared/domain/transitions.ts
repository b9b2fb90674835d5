import type { ShipmentEventDetail, ShipmentEventType } from '../schemas/events';
import {
  AuditEvent,
  type AuditEventType,
  type ShipmentState,
  type ShipmentStatus,
  type StatePatch,
} from '../schemas/state';
import { applyEvent } from './audit';
import { isoAt } from './clock';
import { ConcurrencyConflictError, InternalError, InvalidTransitionError } from './errors';
import { canTransition } from './lifecycle';
import { publishCommitted } from './use-cases/publish';
import type { ShipmentDeps } from './use-cases/shipment-deps';

/**
 * One transition of contract §2: the audit event it appends (its type, the status it leads to, the
 * version it is of, the patch) and the message it announces on the bus, if any.
 */
export interface Transition {
  type: AuditEventType;
  to: ShipmentStatus;
  version: number;
  correlationId: string;
  patch: StatePatch;
  /** The path of the callback this event starts (shipment.callback_pending): live or shadow. */
  callbackMode?: 'live' | 'shadow';
  /**
   * When set, the event is announced on the bus (through the outbox): a shipment.* detail-type
   * with the standard shipment detail, or any other message given whole (e.g. route.optimized).
   */
  busEvent?: ShipmentEventType | { detailType: string; detail: Record<string, unknown> };
}

export interface Committed {
  /** The state the event leads to (computed here, persisted by the store). */
  state: ShipmentState;
  event: AuditEvent;
}

export type TransitionDeps = Pick<
  ShipmentDeps,
  'store' | 'clock' | 'ids' | 'publisher' | 'logger' | 'onConcurrencyConflict'
>;

/**
 * What a caller decides from the shipment as it is now: a transition to write, or an answer
 * without writing (the shipment is not where the transition starts, or already where it leads).
 */
export type Step<R> = { write: Transition } | { stop: R };

export type Outcome<R> = ({ kind: 'committed' } & Committed) | { kind: 'stopped'; value: R };

/** Conflicts in a row after which a transition gives up (ConcurrencyConflictError). */
export const MAX_TRANSITION_ATTEMPTS = 5;

/**
 * The one retry policy of shipment writes. Each attempt reads the shipment (the first one may use
 * `read`, a state the caller holds), asks `decide` what to do with it, and writes the transition
 * conditionally on the revision it was decided from, then publishes its outbox message. Losing the
 * optimistic lock (ConcurrencyConflictError) means another writer moved the shipment first: it is
 * counted, read again and decided again, so `decide` sees the shipment as it is now and stops when
 * the transition no longer applies; after MAX_TRANSITION_ATTEMPTS conflicts in a row the conflict is
 * thrown. Nothing else in the core catches ConcurrencyConflictError of a shipment write.
 */
export async function transition<R>(
  deps: TransitionDeps,
  shipmentId: string,
  decide: (current: ShipmentState | undefined) => Step<R> | Promise<Step<R>>,
  options: { read?: ShipmentState } = {},
): Promise<Outcome<R>> {
  let held = options.read;
  for (let attempt = 1; ; attempt++) {
    const current = held ?? (await deps.store.get(shipmentId));
    held = undefined;
    const step = await decide(current);
    if ('stop' in step) return { kind: 'stopped', value: step.stop };
    try {
      const committed = await commitTransition(deps, current, step.write);
      await publishCommitted(committed.event, deps);
      return { kind: 'committed', ...committed };
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError) || attempt >= MAX_TRANSITION_ATTEMPTS) throw error;
      deps.onConcurrencyConflict?.();
      deps.logger.info('optimistic lock lost, retrying with fresh state', { shipmentId, attempt });
    }
  }
}

/**
 * A transition from exactly the state the caller read (`expected`, at its revision): the caller's
 * decision holds only for that state. Undefined when another writer moved the shipment first
 * (nothing is written then: the decision was about a state that is gone).
 */
export async function transitionAt(
  deps: TransitionDeps,
  expected: ShipmentState,
  write: Transition,
): Promise<Committed | undefined> {
  const outcome = await transition(
    deps,
    expected.shipmentId,
    (current) => (current?.revision === expected.revision ? { write } : { stop: undefined }),
    { read: expected },
  );
  return outcome.kind === 'committed' ? outcome : undefined;
}

/**
 * The write every transition ends in, without retry: checks the lifecycle (contract §2; an event
 * that keeps the status, e.g. shipment.route_updated, is allowed from any status), numbers the
 * event after `current`, computes the state it leads to (the reducer of the trail, audit.ts) and
 * has the store persist both, conditionally on `current`'s revision. Throws
 * ConcurrencyConflictError when another writer committed that revision first. Only `transition`
 * (and tests setting a shipment up) call it.
 */
export async function commitTransition(
  deps: Pick<TransitionDeps, 'store' | 'clock' | 'ids'>,
  current: ShipmentState | undefined,
  spec: Transition,
): Promise<Committed> {
  if (current && current.status !== spec.to && !canTransition(current.status, spec.to)) {
    throw new InvalidTransitionError(`a shipment in status ${current.status} cannot move to ${spec.to}`);
  }
  const occurredAt = isoAt(deps.clock);
  const eventId = deps.ids.next();
  const priority = spec.patch.priority ?? current?.priority;
  const region = spec.patch.region ?? current?.region;
  const shipmentId = spec.patch.shipment?.shipmentId ?? current?.shipmentId;
  if (!priority || !region || !shipmentId) {
    throw new InternalError('a transition needs the current state or a full patch');
  }
  const detail: ShipmentEventDetail = {
    eventId,
    shipmentId,
    version: spec.version,
    priority,
    region,
    status: spec.to,
    correlationId: spec.correlationId,
    occurredAt,
  };
  const event = AuditEvent.parse({
    eventId,
    shipmentId,
    seq: (current?.revision ?? 0) + 1,
    type: spec.type,
    version: spec.version,
    status: spec.to,
    correlationId: spec.correlationId,
    occurredAt,
    patch: spec.patch,
    ...(spec.callbackMode ? { callbackMode: spec.callbackMode } : {}),
    ...(spec.busEvent
      ? {
          outbox:
            typeof spec.busEvent === 'string'
              ? { detailType: spec.busEvent, detail: { ...detail } }
              : { detailType: spec.busEvent.detailType, detail: { eventId, ...spec.busEvent.detail } },
        }
      : {}),
  });
  const state = applyEvent(current, event);
  await deps.store.append(event, state);
  return { state, event };
}
