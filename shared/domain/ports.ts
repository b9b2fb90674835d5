import type { AuditEvent, ShipmentState, ShipmentStatus } from '../schemas/state';

/**
 * What a shipment store persists, computing nothing: the audit items, the state item (the projection
 * of the trail, computed by the core: transitions.ts) and the outbox. Implementations must
 * guarantee:
 * - `write` commits the audit event first, conditionally on its `seq` being free (exactly one of N
 *   concurrent writers of the same seq wins; the others get ConcurrencyConflictError), then the state
 *   item, conditionally on being newer than the stored one;
 * - an event with an `outbox` message stays listed by `pendingOutbox` until `markPublished`.
 */
export interface ShipmentRecords {
  /** The stored state item (it may be behind the trail) and the audit events after it, oldest first. */
  head(shipmentId: string): Promise<{ state: ShipmentState | undefined; after: AuditEvent[] }>;
  /** The audit event (the commit point), then `state`, the state it leads to. */
  write(event: AuditEvent, state: ShipmentState): Promise<void>;
  /** A state item caught up from the trail, written unless a newer one is already there. */
  saveProjection(state: ShipmentState): Promise<void>;
  /** The whole trail, oldest first. */
  events(shipmentId: string): Promise<AuditEvent[]>;
  /** Unpublished outbox entries, oldest first; `occurredBefore` skips ones a writer may still publish. */
  pendingOutbox(limit: number, options?: { occurredBefore?: string }): Promise<AuditEvent[]>;
  markPublished(shipmentId: string, seq: number): Promise<void>;
  /** The stored projection as it is, without catching it up from the trail (for replay checks). */
  readProjection(shipmentId: string): Promise<ShipmentState | undefined>;
  /**
   * Ids of the shipments whose last change is in [updatedSince, updatedUntil], optionally of one
   * region (operations tooling: an index query, never a full Scan).
   */
  listShipmentIds(filter?: ShipmentIdFilter): Promise<string[]>;
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

/**
 * Shipment state and its audit trail, as the core reads and writes them (shipment-store.ts over
 * ShipmentRecords): `get` answers the state caught up with the trail (a projection left behind by a
 * crash between the two writes is caught up on the next read); `append` is only called by the
 * transitions module (transitions.ts), with the event and the state it computed.
 */
export interface ShipmentStore extends Omit<ShipmentRecords, 'head' | 'write' | 'saveProjection'> {
  get(shipmentId: string): Promise<ShipmentState | undefined>;
  /** Persists one event and the state it leads to (ShipmentRecords.write). */
  append(event: AuditEvent, state: ShipmentState): Promise<void>;
}

export interface ShipmentFilter {
  status?: ShipmentStatus;
  region?: string;
  serviceDate?: string;
  updatedSince?: string;
}

export interface ShipmentIdFilter {
  region?: string;
  /** ISO date-times, both inclusive. */
  updatedSince?: string;
  updatedUntil?: string;
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

/** The narrow logger the core needs; the runtime passes Powertools Logger. */
export interface CoreLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}
