import type { AuditEvent, ShipmentState } from '../../shared/schemas/state';

/** The public representation of a shipment (GET and write responses). */
export function shipmentView(state: ShipmentState) {
  const base = `/v1/shipments/${encodeURIComponent(state.shipmentId)}`;
  return {
    shipmentId: state.shipmentId,
    version: state.version,
    status: state.status,
    priority: state.priority,
    region: state.region,
    // Contract §3a: the local date of delivery; a shipment stored before service dates has none.
    serviceDate: state.serviceDate ?? null,
    correlationId: state.correlationId,
    receivedAt: state.receivedAt,
    updatedAt: state.updatedAt,
    ...(state.statusReason ? { statusReason: state.statusReason } : {}),
    route: state.route ?? null,
    shipment: state.shipment,
    links: {
      self: base,
      events: `${base}/events`,
      ...(state.route ? { route: `/v1/routes/${state.route.routeId}` } : {}),
    },
  };
}

export function auditEventView(event: AuditEvent) {
  return {
    eventId: event.eventId,
    seq: event.seq,
    type: event.type,
    version: event.version,
    status: event.status,
    correlationId: event.correlationId,
    occurredAt: event.occurredAt,
    patch: event.patch,
    ...(event.callbackMode ? { callbackMode: event.callbackMode } : {}),
  };
}
