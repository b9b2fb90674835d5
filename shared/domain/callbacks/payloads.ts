import type {
  RouteUpdatedWebhookPayload,
  UnassignedWebhookPayload,
  WebhookPayload,
} from '../../schemas/callbacks';
import type {
  RouteOptimizedDetail,
  RouteUpdatedDetail,
  ShipmentUnassignedDetail,
} from '../../schemas/events';

/** The webhook-id of the callback announced by one route.optimized event: stable for its lifetime. */
export const webhookIdOf = (routeOptimizedEventId: string) => `msg_${routeOptimizedEventId}`;

export const secondsIso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function webhookPayload(detail: RouteOptimizedDetail, timestamp: string): WebhookPayload {
  return {
    type: 'shipment.route_optimized',
    timestamp,
    data: {
      shipmentId: detail.shipmentId,
      version: detail.version,
      correlationId: detail.correlationId,
      routeId: detail.routeId,
      vehicleId: detail.vehicleId,
      sequence: detail.sequence,
      stops: detail.stops,
      eta: detail.eta,
      batchId: detail.batchId,
      optimizedAt: detail.optimizedAt,
      ...planFields(detail),
    },
  };
}

export function unassignedPayload(
  detail: ShipmentUnassignedDetail,
  timestamp: string,
): UnassignedWebhookPayload {
  return {
    type: 'shipment.unassigned',
    timestamp,
    data: {
      shipmentId: detail.shipmentId,
      version: detail.version,
      correlationId: detail.correlationId,
      reason: detail.reason,
      ...(detail.planRevision !== undefined ? { planRevision: detail.planRevision } : {}),
    },
  };
}

export function routeUpdatedPayload(
  detail: RouteUpdatedDetail,
  timestamp: string,
): RouteUpdatedWebhookPayload {
  return {
    type: 'shipment.route_updated',
    timestamp,
    data: {
      shipmentId: detail.shipmentId,
      version: detail.version,
      correlationId: detail.correlationId,
      routeId: detail.routeId,
      vehicleId: detail.vehicleId,
      sequence: detail.sequence,
      stops: detail.stops,
      eta: detail.eta,
      batchId: detail.batchId,
      optimizedAt: detail.optimizedAt,
      reason: detail.reason,
      ...planFields(detail),
    },
  };
}

/** The optional fields of contract §3a (absent in events written before living plans). */
function planFields(detail: { planRevision?: number; final?: boolean; serviceDate?: string }) {
  return {
    ...(detail.planRevision !== undefined ? { planRevision: detail.planRevision } : {}),
    ...(detail.final ? { final: true } : {}),
    ...(detail.serviceDate !== undefined ? { serviceDate: detail.serviceDate } : {}),
  };
}
