import type { AuditEvent, ShipmentState } from '../schemas/state';
import { applyEvent } from './audit';
import type { ShipmentRecords, ShipmentStore } from './ports';

/**
 * The core's view of a ShipmentRecords store: reads answer the state caught up with its trail. A
 * writer that died between the audit write and the state write leaves the state item behind; the
 * next read folds the missing events into it (the core's reducer, audit.ts) and saves it, so no
 * store implementation computes a projection.
 */
export function shipmentStore(records: ShipmentRecords): ShipmentStore {
  return {
    async get(shipmentId) {
      const { state, after } = await records.head(shipmentId);
      if (after.length === 0) return state;
      const caughtUp = after.reduce<ShipmentState | undefined>(applyEvent, state);
      if (caughtUp) await records.saveProjection(caughtUp);
      return caughtUp;
    },
    append: (event: AuditEvent, state: ShipmentState) => records.write(event, state),
    events: (shipmentId) => records.events(shipmentId),
    pendingOutbox: (limit, options) => records.pendingOutbox(limit, options),
    markPublished: (shipmentId, seq) => records.markPublished(shipmentId, seq),
    readProjection: (shipmentId) => records.readProjection(shipmentId),
    listShipmentIds: (filter) => records.listShipmentIds(filter),
    listByStatus: (status, options) => records.listByStatus(status, options),
    listShipments: (filter, page) => records.listShipments(filter, page),
  };
}
