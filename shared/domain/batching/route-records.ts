import type { RouteRecord } from '../../schemas/batching';
import type { PlannedRoute, RoutingInput } from '../../solver';
import type { BatchingDeps } from './batching-deps';

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/**
 * The route record of one planned route (what GET of a route and the callbacks read): its stops in
 * order with their ETA, destination and the shipment version planned (`versionOf`; 1 when unknown).
 */
export function routeRecord(
  route: PlannedRoute,
  of: {
    routeId: string;
    batchId: string;
    region: string;
    /** The input the route was planned from (its vehicles and shipments). */
    input: RoutingInput;
    versionOf: (shipmentId: string) => number | undefined;
    createdAt: string;
    /** The depot when the input has no such vehicle. */
    depotId?: string;
  },
): RouteRecord {
  const jobs = new Map(of.input.shipments.map((s) => [s.id, s]));
  const vehicle = of.input.vehicles.find((v) => v.id === route.vehicleId);
  return {
    routeId: of.routeId,
    batchId: of.batchId,
    region: of.region,
    vehicleId: route.vehicleId,
    depotId: vehicle?.startDepotId ?? of.depotId ?? '',
    start: iso(route.start),
    end: iso(route.end),
    distanceMeters: route.distanceMeters,
    durationSeconds: route.durationSeconds,
    cost: route.cost,
    stops: route.stops.map((stop, i) => {
      const job = jobs.get(stop.shipmentId);
      return {
        shipmentId: stop.shipmentId,
        version: of.versionOf(stop.shipmentId) ?? 1,
        sequence: i + 1,
        eta: iso(stop.arrival),
        departure: iso(stop.departure),
        destination: { lat: job?.destination.lat ?? 0, lon: job?.destination.lon ?? 0 },
      };
    }),
    createdAt: of.createdAt,
  };
}

/** Route records of routes a re-plan emptied (their shipments moved): kept, with no stop. */
export async function emptyRoutes(
  routeIds: string[],
  at: string,
  deps: Pick<BatchingDeps, 'batches'>,
): Promise<void> {
  const records: RouteRecord[] = [];
  for (const routeId of routeIds) {
    const record = await deps.batches.getRoute(routeId);
    if (record && record.stops.length > 0) records.push({ ...record, stops: [], createdAt: at });
  }
  if (records.length > 0) await deps.batches.putRoutes(records);
}
