import { FleetConfig } from '../../schemas/batching';
import type { ShipmentEventType } from '../../schemas/events';
import type { CancelBody, ShipmentBody } from '../../schemas/shipment';
import type { AuditEvent, ShipmentState, StatePatch } from '../../schemas/state';
import { calendarOf, serviceDateFor, timeWindowErrors } from '../calendar';
import { NotFoundError, ShipmentCancelledError, ValidationError, VersionConflictError } from '../errors';
import { DEFAULT_MAX_DELIVERY_RADIUS_KM, greatCircleKm } from '../geo';
import { assertTransition } from '../lifecycle';
import { derivePriority } from '../priority';
import { type Committed, commitTransition, type Transition, transition } from '../transitions';
import { bodyHash, decideVersion } from '../versioning';
import type { ShipmentDeps } from './shipment-deps';

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
  const outcome = await transition<ShipmentState>(deps, cmd.body.shipmentId, (stored) => {
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
    if (decision.kind === 'replay' && stored) return { stop: stored };
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
      serviceDateMoves: null,
    };
    const to = cmd.hold ? 'RECEIVED' : 'QUEUED';
    if (stored) assertTransition(stored.status, to);
    const type: ShipmentEventType = stored ? 'shipment.updated' : 'shipment.created';
    return {
      write: {
        type,
        to,
        version: cmd.body.version,
        correlationId: cmd.correlationId,
        patch,
        ...(cmd.hold ? {} : { busEvent: type }),
      },
    };
  });
  if (outcome.kind === 'stopped') return { outcome: 'replayed', state: outcome.value };
  return { outcome: outcome.event.seq > 1 ? 'updated' : 'created', state: outcome.state };
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
  const outcome = await transition<ShipmentState>(deps, cmd.shipmentId, (stored) => {
    if (!stored) throw new NotFoundError(`shipment ${cmd.shipmentId} not found`);
    if (stored.status === 'CANCELLED') return { stop: stored };
    if (cmd.body.version !== undefined && cmd.body.version < stored.version) {
      throw new VersionConflictError(
        `cancel names version ${cmd.body.version}, older than the stored version ${stored.version}`,
        stored.version,
      );
    }
    assertTransition(stored.status, 'CANCELLED');
    return {
      write: {
        type: 'shipment.cancelled',
        to: 'CANCELLED',
        version: Math.max(stored.version, cmd.body.version ?? stored.version),
        correlationId: cmd.correlationId,
        patch: { statusReason: cmd.body.reason ?? 'cancelled by the SCM' },
        busEvent: 'shipment.cancelled',
      },
    };
  });
  return outcome.kind === 'stopped' ? outcome.value : outcome.state;
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

/** A transition as tests set a shipment up with it: one conditional write, no retry, no publish. */
export type TransitionSpec = Omit<Transition, 'to'> & { status: Transition['to'] };

/** For tests setting a shipment up (commitTransition with `status`); the core writes through transitions.ts. */
export function commit(
  deps: Parameters<typeof commitTransition>[0],
  stored: ShipmentState | undefined,
  { status, ...spec }: TransitionSpec,
): Promise<Committed> {
  return commitTransition(deps, stored, { ...spec, to: status });
}
