import type { ShipmentFilter, ShipmentPage, ShipmentStore } from '../ports';

/**
 * Finds shipments by status or region (contract §2a: `GET /v1/shipments`), a page at a time, so
 * that stuck or flagged ones can be found: an index query, oldest change first, never a Scan.
 */
export async function listShipments(
  query: ShipmentFilter & { limit: number; cursor?: string },
  deps: { store: Pick<ShipmentStore, 'listShipments'> },
): Promise<ShipmentPage> {
  const { limit, cursor, ...filter } = query;
  return deps.store.listShipments(filter, { limit, ...(cursor ? { cursor } : {}) });
}
