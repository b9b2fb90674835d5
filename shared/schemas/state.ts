import { z } from 'zod';
import { Priority, StoredShipmentBody } from './shipment';

/** Lifecycle of contract §2. */
export const ShipmentStatus = z.enum([
  'RECEIVED',
  'QUEUED',
  'OPTIMIZING',
  'OPTIMIZED',
  'CALLBACK_PENDING',
  'ROUTE_APPLIED',
  'STALE',
  'CANCELLED',
  'CALLBACK_FAILED',
]);
export type ShipmentStatus = z.infer<typeof ShipmentStatus>;

export const RouteAssignment = z.strictObject({
  routeId: z.string(),
  vehicleId: z.string(),
  sequence: z.int().min(1),
  stops: z.int().min(1),
  eta: z.iso.datetime({ offset: true }),
  batchId: z.string(),
  optimizedAt: z.iso.datetime({ offset: true }),
  /** The revision of the region-day plan this assignment belongs to (contract §3a); absent before living plans. */
  planRevision: z.int().min(1).optional(),
  /** The plan was frozen at its dispatch cutoff: this assignment is the final one (contract §3a). */
  final: z.boolean().optional(),
  /** The service date (local, region time zone) of the plan this assignment belongs to (contract §3a). */
  serviceDate: z.iso.date().optional(),
  /**
   * Stored, not sent: with `FLEET_CONFIG.replan.callbacksBeforeCutoff` false the SCM is sent no
   * assignment until the plan's dispatch cutoff, where this one's first callback is the final one
   * (`shipment.route_optimized`, `final: true`). Never part of a callback body.
   */
  held: z.boolean().optional(),
});
export type RouteAssignment = z.infer<typeof RouteAssignment>;

/** The current state of one shipment: a projection of its audit trail. */
export const ShipmentState = z.strictObject({
  shipmentId: z.string(),
  version: z.int().min(1),
  status: ShipmentStatus,
  priority: Priority,
  region: z.string(),
  /**
   * The local date (region time zone) the shipment is delivered on (contract §3a). Absent only in
   * shipments stored before service dates; the batching derives it from the body then.
   */
  serviceDate: z.string().optional(),
  shipment: StoredShipmentBody,
  /** sha256 of the canonical submitted body: same version + same body is a replay. */
  bodyHash: z.string(),
  correlationId: z.string(),
  /** Sequence number of the last audit event applied; the optimistic-lock token. */
  revision: z.int().min(1),
  receivedAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  route: RouteAssignment.optional(),
  statusReason: z.string().optional(),
  /** Consecutive windows that left this shipment unassigned. */
  unassignedWindows: z.int().min(0).optional(),
  /** Working days an ECONOMY shipment was moved on because its day was full (contract §3a). */
  serviceDateMoves: z.int().min(0).optional(),
});
export type ShipmentState = z.infer<typeof ShipmentState>;

export const AuditEventType = z.enum([
  'shipment.created',
  'shipment.updated',
  'shipment.cancelled',
  'shipment.queued',
  'shipment.optimizing',
  'shipment.optimized',
  'shipment.stale',
  'shipment.requeued',
  'shipment.callback_pending',
  'shipment.route_applied',
  'shipment.callback_failed',
  /** Given up: it cannot be planned (status STALE with the reason; the SCM gets shipment.unassigned). */
  'shipment.unassigned',
  /** Its route changed without a new optimization (a stop before it was cancelled); status unchanged. */
  'shipment.route_updated',
]);
export type AuditEventType = z.infer<typeof AuditEventType>;

/** What an audit event changes besides status/version; absent fields are kept, `null` clears. */
export const StatePatch = z.strictObject({
  shipment: StoredShipmentBody.optional(),
  bodyHash: z.string().optional(),
  priority: Priority.optional(),
  region: z.string().optional(),
  serviceDate: z.string().optional(),
  route: RouteAssignment.nullable().optional(),
  statusReason: z.string().nullable().optional(),
  unassignedWindows: z.int().min(0).nullable().optional(),
  serviceDateMoves: z.int().min(0).nullable().optional(),
});
export type StatePatch = z.infer<typeof StatePatch>;

/** A message for the event bus, committed together with the audit event (transactional outbox). */
export const OutboxMessage = z.strictObject({
  detailType: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type OutboxMessage = z.infer<typeof OutboxMessage>;

/** One entry of the audit trail (event sourcing): the state can be rebuilt from these alone. */
export const AuditEvent = z.strictObject({
  shipmentId: z.string(),
  seq: z.int().min(1),
  eventId: z.string(),
  type: AuditEventType,
  version: z.int().min(1),
  status: ShipmentStatus,
  correlationId: z.string(),
  occurredAt: z.iso.datetime({ offset: true }),
  patch: StatePatch,
  outbox: OutboxMessage.optional(),
  /** shipment.callback_pending: the path its callback takes, `live` (to the SCM) or `shadow` (rollout). */
  callbackMode: z.enum(['live', 'shadow']).optional(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
