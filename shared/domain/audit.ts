import type { AuditEvent, ShipmentState } from '../schemas/state';
import { InternalError } from './errors';

/**
 * The reducer of the audit trail: state = fold(apply, undefined, events). Every field of the
 * state comes from events, so the trail alone rebuilds it.
 */
export function applyEvent(state: ShipmentState | undefined, event: AuditEvent): ShipmentState {
  const { patch } = event;
  if (!state) {
    if (!patch.shipment || !patch.bodyHash || !patch.priority) {
      throw new InternalError(`first event of ${event.shipmentId} does not carry the shipment`);
    }
    return stripUndefined({
      shipmentId: event.shipmentId,
      version: event.version,
      status: event.status,
      priority: patch.priority,
      region: patch.region ?? patch.shipment.region,
      serviceDate: patch.serviceDate ?? undefined,
      shipment: patch.shipment,
      bodyHash: patch.bodyHash,
      correlationId: event.correlationId,
      revision: event.seq,
      receivedAt: event.occurredAt,
      updatedAt: event.occurredAt,
      route: patch.route ?? undefined,
      statusReason: patch.statusReason ?? undefined,
      unassignedWindows: patch.unassignedWindows ?? undefined,
      serviceDateMoves: patch.serviceDateMoves ?? undefined,
    });
  }
  if (event.seq !== state.revision + 1) {
    throw new InternalError(
      `event ${event.seq} of ${event.shipmentId} does not follow revision ${state.revision}`,
    );
  }
  return stripUndefined({
    ...state,
    version: event.version,
    status: event.status,
    priority: patch.priority ?? state.priority,
    region: patch.region ?? state.region,
    serviceDate: patch.serviceDate ?? state.serviceDate,
    shipment: patch.shipment ?? state.shipment,
    bodyHash: patch.bodyHash ?? state.bodyHash,
    correlationId: event.correlationId,
    revision: event.seq,
    updatedAt: event.occurredAt,
    route: patch.route === undefined ? state.route : (patch.route ?? undefined),
    statusReason: patch.statusReason === undefined ? state.statusReason : (patch.statusReason ?? undefined),
    unassignedWindows:
      patch.unassignedWindows === undefined
        ? state.unassignedWindows
        : (patch.unassignedWindows ?? undefined),
    serviceDateMoves:
      patch.serviceDateMoves === undefined ? state.serviceDateMoves : (patch.serviceDateMoves ?? undefined),
  });
}

export function rebuildState(events: readonly AuditEvent[]): ShipmentState | undefined {
  return events.reduce<ShipmentState | undefined>(applyEvent, undefined);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
