import type { AuditEvent, ShipmentState, ShipmentStatus } from '../schemas/state';

/** An audit event before the store numbers it. */
export type AuditEventDraft = Omit<AuditEvent, 'seq' | 'shipmentId'>;

/**
 * Shipment state and its audit trail. Implementations must guarantee:
 * - `append` commits the audit event first, conditionally on the caller's revision (exactly one of N
 *   concurrent writers from the same revision wins; the others get ConcurrencyConflictError);
 * - the state projection never diverges from the trail: a projection left behind by a crash is
 *   caught up from the trail on the next read or write;
 * - an event with an `outbox` message stays listed by `pendingOutbox` until `markPublished`.
 */
export interface ShipmentStore {
  get(shipmentId: string): Promise<ShipmentState | undefined>;
  /**
   * Appends one event after `current` (at its revision + 1; revision 1 for a new shipment) and
   * returns the new state. `current` is what the caller read: if the trail has moved on since,
   * the append fails with ConcurrencyConflictError.
   */
  append(
    shipmentId: string,
    current: ShipmentState | undefined,
    event: AuditEventDraft,
  ): Promise<ShipmentState>;
  /** The whole trail, oldest first. */
  events(shipmentId: string): Promise<AuditEvent[]>;
  /** Unpublished outbox entries, oldest first; `occurredBefore` skips ones a writer may still publish. */
  pendingOutbox(limit: number, options?: { occurredBefore?: string }): Promise<AuditEvent[]>;
  markPublished(shipmentId: string, seq: number): Promise<void>;
  /** The stored projection as it is, without catching it up from the trail (for replay checks). */
  readProjection(shipmentId: string): Promise<ShipmentState | undefined>;
  /** Ids of shipments, optionally of one region or changed since a time (operations tooling). */
  listShipmentIds(filter?: { region?: string; updatedSince?: string }): Promise<string[]>;
  listByStatus(
    status: ShipmentStatus,
    options?: { updatedBefore?: string; limit?: number },
  ): Promise<ShipmentState[]>;
  /**
   * One page of shipments by status or by region (an index query, oldest change first), optionally
   * of one service date and changed at or after `updatedSince`. `cursor` is the previous page's
   * `nextCursor`; an invalid one is an InvalidCursorError.
   */
  listShipments(filter: ShipmentFilter, page: { limit: number; cursor?: string }): Promise<ShipmentPage>;
}

export interface ShipmentFilter {
  status?: ShipmentStatus;
  region?: string;
  serviceDate?: string;
  updatedSince?: string;
}

export interface ShipmentPage {
  items: ShipmentState[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

/** A message for the event bus. */
export interface BusMessage {
  detailType: string;
  detail: Record<string, unknown>;
}

export interface EventPublisher {
  publish(messages: BusMessage[]): Promise<void>;
}

export interface IdGenerator {
  next(): string;
}
