import { z } from 'zod';
import { Priority } from './shipment';
import { RouteAssignment, ShipmentStatus } from './state';

/** EventBridge `source` of every event this system publishes. */
export const EVENT_SOURCE = 'scm.route-optimizer';

export const ShipmentEventType = z.enum([
  'shipment.created',
  'shipment.updated',
  'shipment.cancelled',
  /** Re-queued without a new version: stale result, stuck shipment, or local-runtime recovery. */
  'shipment.requeued',
]);
export type ShipmentEventType = z.infer<typeof ShipmentEventType>;

/** `detail` of shipment.* events on the bus. Consumers re-read state; the detail routes and correlates. */
export const ShipmentEventDetail = z.strictObject({
  eventId: z.string(),
  shipmentId: z.string(),
  version: z.int().min(1),
  priority: Priority,
  region: z.string(),
  status: ShipmentStatus,
  correlationId: z.string(),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type ShipmentEventDetail = z.infer<typeof ShipmentEventDetail>;

/**
 * What an SQS queue receives from an EventBridge rule target: the whole event envelope as JSON.
 * Validated at the queue boundary.
 */
export const BusEnvelope = z.object({
  version: z.string().optional(),
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string().optional(),
  time: z.string(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.unknown(),
});
export type BusEnvelope = z.infer<typeof BusEnvelope>;

export const ShipmentQueueMessage = BusEnvelope.extend({
  'detail-type': ShipmentEventType,
  detail: ShipmentEventDetail,
});
export type ShipmentQueueMessage = z.infer<typeof ShipmentQueueMessage>;

/**
 * `route.optimized`: one per optimized shipment, emitted (through the outbox) when a shipment
 * becomes OPTIMIZED. It starts the callback delivery to the SCM (contract §4).
 */
export const ROUTE_OPTIMIZED = 'route.optimized';
export const RouteOptimizedDetail = RouteAssignment.omit({ held: true }).extend({
  eventId: z.string(),
  shipmentId: z.string(),
  version: z.int().min(1),
  correlationId: z.string(),
  region: z.string(),
  priority: Priority,
});
export type RouteOptimizedDetail = z.infer<typeof RouteOptimizedDetail>;

/**
 * `shipment.unassigned`: a shipment that cannot be planned was given up (status STALE with the
 * reason, contract §2). It starts a `shipment.unassigned` callback to the SCM (contract §3a) and
 * counts in the ShipmentsUnassigned metric.
 */
export const SHIPMENT_UNASSIGNED = 'shipment.unassigned';
export const ShipmentUnassignedDetail = z.strictObject({
  eventId: z.string(),
  shipmentId: z.string(),
  version: z.int().min(1),
  correlationId: z.string(),
  region: z.string(),
  priority: Priority,
  reason: z.string(),
  /** Revision of the region's plan it could not be placed in, if the region has one. */
  planRevision: z.int().min(0).optional(),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type ShipmentUnassignedDetail = z.infer<typeof ShipmentUnassignedDetail>;

/**
 * `route.updated`: a shipment's assignment on its route changed without a new optimization (a stop
 * before it was cancelled: its sequence and the stop count change, its ETA stays). It starts a
 * `shipment.route_updated` callback (contract §3a), a notice.
 */
export const ROUTE_UPDATED = 'route.updated';
export const RouteUpdatedDetail = RouteAssignment.omit({ held: true }).extend({
  eventId: z.string(),
  shipmentId: z.string(),
  version: z.int().min(1),
  correlationId: z.string(),
  region: z.string(),
  priority: Priority,
  /** Why the route changed. */
  reason: z.string(),
});
export type RouteUpdatedDetail = z.infer<typeof RouteUpdatedDetail>;
