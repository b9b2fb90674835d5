import { FleetConfig } from '../../schemas/batching';
import type { ShipmentEventDetail, ShipmentEventType } from '../../schemas/events';
import type { CancelBody, ShipmentBody } from '../../schemas/shipment';
import type {
  AuditEvent,
  AuditEventType,
  ShipmentState,
  ShipmentStatus,
  StatePatch,
} from '../../schemas/state';
import { calendarOf, serviceDateFor, timeWindowErrors } from '../calendar';
import { isoAt } from '../clock';
import {
  ConcurrencyConflictError,
  NotFoundError,
  ShipmentCancelledError,
  ValidationError,
  VersionConflictError,
} from '../errors';
import { DEFAULT_MAX_DELIVERY_RADIUS_KM, greatCircleKm } from '../geo';
import { assertTransition } from '../lifecycle';
import { derivePriority } from '../priority';
import { bodyHash, decideVersion } from '../versioning';
import type { ShipmentDeps } from './dependencies';
import { publishCommitted } from './publish';

export interface SubmitCommand {
  body: ShipmentBody;
  correlationId: string;
  /** `create` is POST /v1/shipments (creates or updates); `replace` is PUT (must exist). */
  mode: 'create' | 'replace';
  /** The id in the path, for PUT. */
  pathShipmentId?: string;
  /**
   * Hold the shipment as RECEIVED without announcing it, for the caller to optimize in real time
   * and then either commit the result or queue it (URGENT path).
   */
  hold?: boolean;
}

export interface SubmitResult {
  outcome: 'created' | 'updated' | 'replayed';
  state: ShipmentState;
}

const MAX_ATTEMPTS = 5;

/**
 * Accepts a shipment or a newer version of it: validates the version rules, commits the audit
 * event with its outbox message (QUEUED), then publishes it to the bus.
 */
export async function submitShipment(cmd: SubmitCommand, deps: ShipmentDeps): Promise<SubmitResult> {
  if (cmd.pathShipmentId !== undefined && cmd.pathShipmentId !== cmd.body.shipmentId) {
    throw new ValidationError('shipmentId in the body differs from the path', [
      { field: 'shipmentId', message: `must equal the path id ${cmd.pathShipmentId}` },
    ]);
  }
  return withOptimisticRetry(deps, async () => {
    const stored = await deps.store.get(cmd.body.shipmentId);
    if (!stored && cmd.mode === 'replace')
      throw new NotFoundError(`shipment ${cmd.body.shipmentId} not found`);
    const decision = decideVersion(stored, cmd.body);
    if (decision.kind === 'cancelled') {
      throw new ShipmentCancelledError(
        `shipment ${cmd.body.shipmentId} is cancelled (at version ${decision.storedVersion}): a cancelled shipment accepts no new version; send it under a new shipmentId`,
        decision.storedVersion,
      );
    }
    if (decision.kind === 'conflict') {
      throw new VersionConflictError(
        `version ${cmd.body.version} is not newer than the stored version ${decision.storedVersion}`,
        decision.storedVersion,
      );
    }
    if (decision.kind === 'replay' && stored) return { outcome: 'replayed', state: stored };
    assertWithinDeliveryRadius(cmd.body, deps);
    const serviceDate = plannableServiceDate(cmd.body, deps);
    const priority = derivePriority(cmd.body, deps.priorityPolicy);
    const patch: StatePatch = {
      shipment: cmd.body,
      bodyHash: bodyHash(cmd.body),
      priority,
      region: cmd.body.region,
      serviceDate,
      route: null,
      statusReason: null,
      unassignedWindows: null,
    };
    const status = cmd.hold ? 'RECEIVED' : 'QUEUED';
    if (stored) assertTransition(stored.status, status);
    const type: ShipmentEventType = stored ? 'shipment.updated' : 'shipment.created';
    const { state, event } = await commit(deps, stored, {
      type,
      status,
      version: cmd.body.version,
      correlationId: cmd.correlationId,
      patch,
      ...(cmd.hold ? {} : { busEvent: type }),
    });
    await publishCommitted(event, deps);
    return { outcome: stored ? 'updated' : 'created', state };
  });
}

const DEFAULT_FLEET = FleetConfig.parse({});

/**
 * Contract §3a: the shipment's service date, after the checks of its time window that need the
 * clock (ended already, or beyond the planning horizon: a 400 naming the field, nothing stored).
 */
function plannableServiceDate(body: ShipmentBody, deps: ShipmentDeps): string {
  const fleet = deps.fleet ?? DEFAULT_FLEET;
  const now = deps.clock.now();
  const errors = timeWindowErrors(body.timeWindow, now, fleet.planningHorizonDays);
  if (errors.length > 0) throw new ValidationError('the time window cannot be planned', errors);
  return serviceDateFor(body, now, calendarOf(body.region, fleet));
}

/** Contract §1: a destination farther from its origin depot than the configured radius is a 400. */
function assertWithinDeliveryRadius(body: ShipmentBody, deps: ShipmentDeps): void {
  const limitKm = deps.maxDeliveryRadiusKm ?? DEFAULT_MAX_DELIVERY_RADIUS_KM;
  const km = greatCircleKm(body.origin, body.destination);
  if (km <= limitKm) return;
  throw new ValidationError('the destination is out of reach of its origin depot', [
    {
      field: 'destination',
      message: `${Math.round(km)} km from depot ${body.origin.depotId}; destinations are at most ${limitKm} km from their origin depot`,
    },
  ]);
}

export interface CancelCommand {
  shipmentId: string;
  body: CancelBody;
  correlationId: string;
}

/** Cancels a shipment; cancelling a cancelled shipment answers its state again. */
export async function cancelShipment(cmd: CancelCommand, deps: ShipmentDeps): Promise<ShipmentState> {
  return withOptimisticRetry(deps, async () => {
    const stored = await deps.store.get(cmd.shipmentId);
    if (!stored) throw new NotFoundError(`shipment ${cmd.shipmentId} not found`);
    if (stored.status === 'CANCELLED') return stored;
    if (cmd.body.version !== undefined && cmd.body.version < stored.version) {
      throw new VersionConflictError(
        `cancel names version ${cmd.body.version}, older than the stored version ${stored.version}`,
        stored.version,
      );
    }
    assertTransition(stored.status, 'CANCELLED');
    const { state, event } = await commit(deps, stored, {
      type: 'shipment.cancelled',
      status: 'CANCELLED',
      version: Math.max(stored.version, cmd.body.version ?? stored.version),
      correlationId: cmd.correlationId,
      patch: { statusReason: cmd.body.reason ?? 'cancelled by the SCM' },
      busEvent: 'shipment.cancelled',
    });
    await publishCommitted(event, deps);
    return state;
  });
}

export async function getShipment(
  shipmentId: string,
  deps: Pick<ShipmentDeps, 'store'>,
): Promise<ShipmentState> {
  const state = await deps.store.get(shipmentId);
  if (!state) throw new NotFoundError(`shipment ${shipmentId} not found`);
  return state;
}

export async function shipmentEvents(
  shipmentId: string,
  deps: Pick<ShipmentDeps, 'store'>,
): Promise<AuditEvent[]> {
  const events = await deps.store.events(shipmentId);
  if (events.length === 0) throw new NotFoundError(`shipment ${shipmentId} not found`);
  return events;
}

export interface TransitionSpec {
  type: AuditEventType;
  status: ShipmentStatus;
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

/**
 * Appends one event after `stored` (optimistic lock on its revision) and returns the new state
 * with the committed event. Throws ConcurrencyConflictError when another writer won.
 */
export async function commit(
  deps: Pick<ShipmentDeps, 'store' | 'clock' | 'ids'>,
  stored: ShipmentState | undefined,
  spec: TransitionSpec,
): Promise<{ state: ShipmentState; event: AuditEvent }> {
  const occurredAt = isoAt(deps.clock);
  const eventId = deps.ids.next();
  const priority = spec.patch.priority ?? stored?.priority;
  const region = spec.patch.region ?? stored?.region;
  const shipmentId = spec.patch.shipment?.shipmentId ?? stored?.shipmentId;
  if (!priority || !region || !shipmentId) throw new Error('commit needs a stored state or a full patch');
  const detail: ShipmentEventDetail = {
    eventId,
    shipmentId,
    version: spec.version,
    priority,
    region,
    status: spec.status,
    correlationId: spec.correlationId,
    occurredAt,
  };
  const draft = {
    eventId,
    type: spec.type,
    version: spec.version,
    status: spec.status,
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
  };
  const state = await deps.store.append(shipmentId, stored, draft);
  return { state, event: { ...draft, shipmentId, seq: state.revision } };
}

async function withOptimisticRetry<T>(deps: ShipmentDeps, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError) || i >= MAX_ATTEMPTS) throw error;
      deps.onConcurrencyConflict?.();
      deps.logger.info('optimistic lock lost, retrying with fresh state', { attempt: i });
    }
  }
}

/** `commit`, then publish the event's outbox message right away (the relay covers a failure). */
export async function commitAndPublish(
  deps: Pick<ShipmentDeps, 'store' | 'clock' | 'ids' | 'publisher' | 'logger'>,
  stored: ShipmentState | undefined,
  spec: TransitionSpec,
): Promise<{ state: ShipmentState; event: AuditEvent }> {
  const committed = await commit(deps, stored, spec);
  await publishCommitted(committed.event, deps);
  return committed;
}
