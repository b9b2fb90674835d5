import { z } from 'zod';
import {
  BusEnvelope,
  ROUTE_OPTIMIZED,
  ROUTE_UPDATED,
  RouteOptimizedDetail,
  RouteUpdatedDetail,
  SHIPMENT_UNASSIGNED,
  ShipmentUnassignedDetail,
} from './events';
import { RouteAssignment } from './state';

/** Delivery state of one callback (contract §4): PENDING → IN_PROGRESS → COMPLETED | FAILED. */
export const CallbackStatus = z.enum(['PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED']);
export type CallbackStatus = z.infer<typeof CallbackStatus>;

/** How a callback ended. `superseded`: a newer version overtook the route before it was sent. */
export const CallbackOutcome = z.enum([
  'applied',
  'stale',
  'gone',
  'rejected',
  'exhausted',
  'shadowed',
  'superseded',
]);
export type CallbackOutcome = z.infer<typeof CallbackOutcome>;

export const CallbackMode = z.enum(['live', 'shadow']);
export type CallbackMode = z.infer<typeof CallbackMode>;

/** The webhook body (contract §4), `type` and `data` per the Standard Webhooks payload structure. */
export const WebhookPayload = z.strictObject({
  type: z.literal('shipment.route_optimized'),
  timestamp: z.iso.datetime({ offset: true }),
  /** The route assignment (stop `sequence` of `stops`, ETA) of this shipment version. */
  data: RouteAssignment.omit({ held: true }).extend({
    shipmentId: z.string(),
    version: z.int().min(1),
    correlationId: z.string(),
  }),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;

/**
 * The webhook body of `shipment.unassigned` (contract §3a): the shipment cannot be planned, with
 * the reason. A notice: whatever the SCM answers, the shipment's state does not change (an SCM that
 * ignores the type answers 2xx and is done).
 */
export const UnassignedWebhookPayload = z.strictObject({
  type: z.literal('shipment.unassigned'),
  timestamp: z.iso.datetime({ offset: true }),
  data: z.strictObject({
    shipmentId: z.string(),
    version: z.int().min(1),
    correlationId: z.string(),
    reason: z.string(),
    planRevision: z.int().min(0).optional(),
  }),
});
export type UnassignedWebhookPayload = z.infer<typeof UnassignedWebhookPayload>;

/**
 * The webhook body of `shipment.route_updated` (contract §3a): the shipment's assignment changed
 * without a new optimization (a stop before it was cancelled: new `sequence` and `stops`, same
 * ETA). A notice, like shipment.unassigned.
 */
export const RouteUpdatedWebhookPayload = z.strictObject({
  type: z.literal('shipment.route_updated'),
  timestamp: z.iso.datetime({ offset: true }),
  data: RouteAssignment.omit({ held: true }).extend({
    shipmentId: z.string(),
    version: z.int().min(1),
    correlationId: z.string(),
    reason: z.string(),
  }),
});
export type RouteUpdatedWebhookPayload = z.infer<typeof RouteUpdatedWebhookPayload>;

/** The webhook types this system sends (the body's `type`). */
export const CallbackType = z.enum([
  'shipment.route_optimized',
  'shipment.unassigned',
  'shipment.route_updated',
]);
export type CallbackType = z.infer<typeof CallbackType>;

/** One callback: what is sent (the exact body, signed anew at each attempt) and how far it got. */
export const CallbackRecord = z.strictObject({
  /** The Standard Webhooks `webhook-id`: the SCM's idempotency key, the same on every attempt and redrive. */
  webhookId: z.string(),
  /** The webhook's type; absent on records written before there was more than one: route_optimized. */
  type: CallbackType.optional(),
  shipmentId: z.string(),
  version: z.int().min(1),
  correlationId: z.string(),
  endpoint: z.string(),
  mode: CallbackMode,
  /** The exact JSON body sent. */
  body: z.string(),
  status: CallbackStatus,
  outcome: CallbackOutcome.optional(),
  /** Attempts made by the current delivery (a redrive starts a new delivery at 0). */
  attempts: z.int().min(0),
  /** All attempts ever made, across redrives. */
  totalAttempts: z.int().min(0),
  deliveries: z.int().min(1),
  /** Step Functions execution that owns the delivery. */
  executionId: z.string(),
  /** The key of the last operator re-send of this settled callback (`resend`): one delivery per key. */
  resentFor: z.string().optional(),
  lastStatusCode: z.int().optional(),
  lastError: z.string().optional(),
  nextAttemptAt: z.string().optional(),
  deadLetteredAt: z.string().optional(),
  /** A shadowed callback: what the SCM would have received (rollout, issue 13). */
  shadow: z
    .strictObject({
      /** When it was shadowed (service clock). */
      at: z.string(),
      /** The exact request headers, signature included, signed when it was shadowed. */
      headers: z.record(z.string(), z.string()),
      /** The shadow URL it was sent to, if any, and that URL's answer. */
      sentTo: z.string().optional(),
      answer: z.string().optional(),
    })
    .optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Optimistic-lock counter. */
  rev: z.int().min(1),
});
export type CallbackRecord = z.infer<typeof CallbackRecord>;

/** What the callback DLQ holds: enough to restart the delivery with the same webhook-id. */
export const CallbackDeadLetter = z.strictObject({
  kind: z.literal('callback'),
  webhookId: z.string(),
  shipmentId: z.string(),
  version: z.int().min(1),
  correlationId: z.string(),
  endpoint: z.string(),
  body: z.string(),
  attempts: z.int().min(0),
  reason: z.string(),
  failedAt: z.string(),
});
export type CallbackDeadLetter = z.infer<typeof CallbackDeadLetter>;

/** Execution input of a redriven delivery. */
export const RedriveInput = z.strictObject({ redrive: CallbackDeadLetter });
/** Execution input of a delivery taken over after a restart (local runtime) or by an operator. */
export const ResumeInput = z.strictObject({ resume: z.strictObject({ webhookId: z.string() }) });
/**
 * Execution input of a re-send of a settled (COMPLETED or FAILED) callback, by an operator (replay
 * --redrive) or the daily reconciliation: the same webhook-id and body, for the same version,
 * at most one delivery per `key`.
 */
export const ResendInput = z.strictObject({
  resend: z.strictObject({ webhookId: z.string(), key: z.string().min(1).max(120) }),
});
/** Execution input from the bus rule: the whole EventBridge event. */
export const RouteOptimizedEnvelope = BusEnvelope.extend({
  'detail-type': z.literal(ROUTE_OPTIMIZED),
  detail: RouteOptimizedDetail,
});
/** Execution input from the bus rule: a shipment given up as unplannable (a notice to the SCM). */
export const ShipmentUnassignedEnvelope = BusEnvelope.extend({
  'detail-type': z.literal(SHIPMENT_UNASSIGNED),
  detail: ShipmentUnassignedDetail,
});
/** Execution input from the bus rule: a route changed under a shipment (a notice to the SCM). */
export const RouteUpdatedEnvelope = BusEnvelope.extend({
  'detail-type': z.literal(ROUTE_UPDATED),
  detail: RouteUpdatedDetail,
});
export const DeliveryInput = z.union([
  RouteOptimizedEnvelope,
  ShipmentUnassignedEnvelope,
  RouteUpdatedEnvelope,
  RedriveInput,
  ResumeInput,
  ResendInput,
]);
export type DeliveryInput = z.infer<typeof DeliveryInput>;

// Task inputs and outputs of the delivery state machine (infra/constructs/callbacks.ts).
export const PrepareTaskInput = z.strictObject({ event: z.unknown(), executionId: z.string().min(1) });
export const PrepareTaskOutput = z.strictObject({
  webhookId: z.string(),
  /** Where this callback goes (the circuit-breaker key). */
  endpoint: z.string(),
  skip: z.boolean(),
  reason: z.string().optional(),
});
export type PrepareTaskOutput = z.infer<typeof PrepareTaskOutput>;

export const AttemptTaskInput = z.strictObject({
  webhookId: z.string(),
  endpoint: z.string().optional(),
  attempts: z.int().min(0),
});
export const AttemptOutcome = z.enum(['delivered', 'retry', 'held', 'failed']);
export const AttemptTaskOutput = z.strictObject({
  attempts: z.int().min(0),
  outcome: AttemptOutcome,
  /** Seconds to wait before the next attempt (`retry`). */
  waitSeconds: z.int().min(0),
  /** When to look at the breaker again (`held`), ISO-8601. */
  resumeAt: z.string(),
  reason: z.string(),
});
export type AttemptTaskOutput = z.infer<typeof AttemptTaskOutput>;

export const DeadLetterTaskInput = z.strictObject({ webhookId: z.string(), reason: z.string() });

// Events on the bus.
export const CALLBACK_FAILED = 'callback.failed';
export const CIRCUIT_OPENED = 'callback.circuit_opened';
export const CIRCUIT_CLOSED = 'callback.circuit_closed';

export const CallbackFailedDetail = z.strictObject({
  webhookId: z.string(),
  shipmentId: z.string(),
  version: z.int().min(1),
  correlationId: z.string(),
  endpoint: z.string(),
  attempts: z.int().min(0),
  reason: z.string(),
});
export type CallbackFailedDetail = z.infer<typeof CallbackFailedDetail>;

export const CircuitEventDetail = z.strictObject({
  endpoint: z.string(),
  state: z.enum(['open', 'closed']),
  consecutiveFailures: z.int().min(0),
  reopenAt: z.string().optional(),
  occurredAt: z.string(),
});
export type CircuitEventDetail = z.infer<typeof CircuitEventDetail>;
