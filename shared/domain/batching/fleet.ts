import type { FleetConfig, FleetVehicle } from '../../schemas/batching';
import type { ShipmentState } from '../../schemas/state';
import type { DepotInput, ShipmentJobInput, VehicleInput } from '../../solver';

const DEFAULT_SERVICE_SECONDS = 5 * 60;

/** A shipment as the routing engine sees it (integer units are the engine's business). */
export function toJob(state: ShipmentState): ShipmentJobInput {
  const s = state.shipment;
  return {
    id: state.shipmentId,
    originDepotId: s.origin.depotId,
    destination: { lat: s.destination.lat, lon: s.destination.lon },
    weightKg: s.weightKg,
    ...(s.volumeM3 !== undefined ? { volumeM3: s.volumeM3 } : {}),
    serviceSeconds:
      s.serviceMinutes !== undefined ? Math.round(s.serviceMinutes * 60) : DEFAULT_SERVICE_SECONDS,
    ...(s.timeWindow
      ? {
          timeWindow: {
            start: Date.parse(s.timeWindow.start) / 1000,
            end: Date.parse(s.timeWindow.end) / 1000,
          },
        }
      : {}),
    mustServe: state.priority === 'URGENT',
  };
}

/** The depots of the region's configuration plus every origin depot the shipments name. */
export function depotsFor(
  region: string,
  states: readonly ShipmentState[],
  fleet: FleetConfig,
): DepotInput[] {
  const depots = new Map<string, DepotInput>();
  for (const d of fleet.regions[region]?.depots ?? [])
    depots.set(d.id, { id: d.id, location: { lat: d.lat, lon: d.lon } });
  for (const st of states) {
    const o = st.shipment.origin;
    if (!depots.has(o.depotId))
      depots.set(o.depotId, { id: o.depotId, location: { lat: o.lat, lon: o.lon } });
  }
  return [...depots.values()];
}

/**
 * Contract §3: the region's configured vehicles, or the default fleet (vehicles based at each depot
 * seen in the window, with the configured count, capacity and shift from the planning time).
 */
export function vehiclesFor(
  region: string,
  depots: readonly DepotInput[],
  fleet: FleetConfig,
  planningStart: number,
): VehicleInput[] {
  const configured = fleet.regions[region];
  if (configured) {
    const known = new Set(depots.map((d) => d.id));
    return configured.vehicles
      .filter((v) => known.has(v.depotId))
      .map((v) => configuredVehicle(v, planningStart));
  }
  const d = fleet.defaults;
  return depots.flatMap((depot) =>
    Array.from({ length: d.vehiclesPerDepot }, (_, i) => ({
      id: `${depot.id}-V${i + 1}`,
      startDepotId: depot.id,
      capacityWeightKg: d.capacityWeightKg,
      ...(d.capacityVolumeM3 !== undefined ? { capacityVolumeM3: d.capacityVolumeM3 } : {}),
      shiftStart: planningStart,
      shiftEnd: planningStart + d.shiftHours * 3600,
      fixedCost: d.fixedCost,
      costPerKm: d.costPerKm,
      costPerHour: d.costPerHour,
    })),
  );
}

/** A configured HH:MM shift on the planning day (UTC); a shift already over moves to the next day. */
function configuredVehicle(v: FleetVehicle, planningStart: number): VehicleInput {
  const day = Math.floor(planningStart / 86_400) * 86_400;
  const at = (hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number);
    return day + (h ?? 0) * 3600 + (m ?? 0) * 60;
  };
  let start = at(v.shiftStart);
  let end = at(v.shiftEnd);
  if (end <= start) end += 86_400;
  if (end <= planningStart) {
    start += 86_400;
    end += 86_400;
  }
  return {
    id: v.id,
    startDepotId: v.depotId,
    ...(v.endDepotId ? { endDepotId: v.endDepotId } : {}),
    capacityWeightKg: v.capacityWeightKg,
    ...(v.capacityVolumeM3 !== undefined ? { capacityVolumeM3: v.capacityVolumeM3 } : {}),
    shiftStart: Math.max(start, planningStart),
    shiftEnd: end,
    ...(v.maxRouteHours !== undefined ? { maxRouteSeconds: v.maxRouteHours * 3600 } : {}),
    fixedCost: v.fixedCost,
    costPerKm: v.costPerKm,
    costPerHour: v.costPerHour,
  };
}
