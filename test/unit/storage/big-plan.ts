/** A stored plan of `stops` stops on routes of `perRoute`, with ids of `idLength` characters (the schema's most: 64). */
import type { RegionPlan } from '../../../shared/schemas/batching';

export function bigPlan(opts: {
  stops: number;
  perRoute: number;
  idLength: number;
  vehicles?: number;
}): RegionPlan {
  const pad = (prefix: string, i: number) => `${prefix}${String(i)}`.padEnd(opts.idLength, 'x');
  const routesCount = Math.ceil(opts.stops / opts.perRoute);
  const depotId = pad('DEPOT-', 1);
  const t = 1_767_258_000;
  const vehicles = Array.from({ length: Math.max(routesCount, opts.vehicles ?? 0) }, (_, v) => ({
    id: pad('VEH-', v),
    startDepotId: depotId,
    endDepotId: depotId,
    capacityWeightKg: 2000.5,
    capacityVolumeM3: 18.25,
    shiftStart: t - 3600,
    shiftEnd: t + 36_000,
    maxRouteSeconds: 32_400,
    fixedCost: 100.25,
    costPerKm: 0.45,
    costPerHour: 31.5,
  }));
  const shipments = Array.from({ length: opts.stops }, (_, i) => ({
    id: pad('SHP-', i),
    originDepotId: depotId,
    destination: { lat: 52.520008123456 + i * 1e-7, lon: 13.404954123456 + i * 1e-7 },
    weightKg: 12.345,
    volumeM3: 0.125,
    serviceSeconds: 300,
    timeWindow: { start: t + 3600, end: t + 14_400 },
    mustServe: i % 7 === 0,
  }));
  const routes = Array.from({ length: routesCount }, (_, k) => ({
    vehicleId: vehicles[k]!.id,
    stops: shipments.slice(k * opts.perRoute, (k + 1) * opts.perRoute).map((s, j) => ({
      shipmentId: s.id,
      arrival: t + 3600 + j * 61,
      departure: t + 3661 + j * 61,
    })),
    distanceMeters: 123_456,
    durationSeconds: 32_000,
    cost: 456.789,
    start: t,
    end: t + 32_000,
  }));
  return {
    region: 'region-with-a-long-name',
    serviceDate: '2026-11-27',
    revision: 1,
    updatedAt: '2026-11-26T13:00:00.000Z',
    batchId: pad('BATCH-', 1),
    input: {
      depots: [{ id: depotId, location: { lat: 52.52, lon: 13.405 } }],
      vehicles,
      shipments,
      planningStart: t - 86_400,
    },
    plan: {
      routes,
      unassigned: [],
      distanceMeters: 12_345_678,
      durationSeconds: 3_200_000,
      vehiclesUsed: routes.length,
      cost: 45_678.9,
    },
    routeIds: Object.fromEntries(
      vehicles.map((v) => [v.id, `${v.id}-route-0d7c1c2e-8f7a-4a35-9a43-3f1d2b1a9e11`]),
    ),
    versions: Object.fromEntries(shipments.map((s) => [s.id, 123])),
    dispatched: [],
  };
}
