import type { FleetConfig, FleetVehicle } from '../../schemas/batching';
import type { ShipmentState } from '../../schemas/state';
import type { DepotInput, ShipmentJobInput, VehicleInput } from '../../solver';
import { calendarOf, serviceDateFor, shiftOn } from '../calendar';
import { ownEntry } from '../lookup';

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

/** The region's configured fleet, if any: an own entry, so a region named `constructor` has none. */
export function regionFleet(fleet: FleetConfig, region: string): FleetConfig['regions'][string] | undefined {
  return ownEntry(fleet.regions, region);
}

/** The depots of the region's configuration plus every origin depot the shipments name. */
export function depotsFor(
  region: string,
  states: readonly ShipmentState[],
  fleet: FleetConfig,
): DepotInput[] {
  const depots = new Map<string, DepotInput>();
  for (const d of regionFleet(fleet, region)?.depots ?? [])
    depots.set(d.id, { id: d.id, location: { lat: d.lat, lon: d.lon } });
  for (const st of states) {
    const o = st.shipment.origin;
    if (!depots.has(o.depotId))
      depots.set(o.depotId, { id: o.depotId, location: { lat: o.lat, lon: o.lon } });
  }
  return [...depots.values()];
}

/**
 * Contract §3, §3a: the region's configured vehicles, or the default fleet (vehicles based at each
 * depot seen, with the configured count and capacity), each working its shift on the service date
 * (local times of the region's calendar). A vehicle is available from the planning time at the
 * earliest; one whose shift on that date is already over is left out.
 */
export function vehiclesFor(
  region: string,
  depots: readonly DepotInput[],
  fleet: FleetConfig,
  planningStart: number,
  serviceDate: string,
): VehicleInput[] {
  const { timeZone } = calendarOf(region, fleet);
  const onDate = (shift: { start: string; end: string }) => {
    const { start, end } = shiftOn(serviceDate, shift, timeZone);
    return { shiftStart: Math.max(start, planningStart), shiftEnd: end };
  };
  const working = (v: VehicleInput) => v.shiftStart < v.shiftEnd;
  const configured = regionFleet(fleet, region)?.vehicles;
  if (configured) {
    const known = new Set(depots.map((d) => d.id));
    return configured
      .filter((v) => known.has(v.depotId))
      .map((v) => configuredVehicle(v, onDate({ start: v.shiftStart, end: v.shiftEnd })))
      .filter(working);
  }
  const d = fleet.defaults;
  const local = shiftOn(serviceDate, { start: d.shiftStart, end: d.shiftEnd }, timeZone);
  const shift = {
    shiftStart: Math.max(local.start, planningStart),
    shiftEnd: d.shiftHours === undefined ? local.end : local.start + d.shiftHours * 3600,
  };
  return depots
    .flatMap((depot) =>
      Array.from({ length: d.vehiclesPerDepot }, (_, i) => ({
        id: `${depot.id}-V${i + 1}`,
        startDepotId: depot.id,
        capacityWeightKg: d.capacityWeightKg,
        ...(d.capacityVolumeM3 !== undefined ? { capacityVolumeM3: d.capacityVolumeM3 } : {}),
        ...shift,
        fixedCost: d.fixedCost,
        costPerKm: d.costPerKm,
        costPerHour: d.costPerHour,
      })),
    )
    .filter(working);
}

function configuredVehicle(v: FleetVehicle, shift: { shiftStart: number; shiftEnd: number }): VehicleInput {
  return {
    id: v.id,
    startDepotId: v.depotId,
    ...(v.endDepotId ? { endDepotId: v.endDepotId } : {}),
    capacityWeightKg: v.capacityWeightKg,
    ...(v.capacityVolumeM3 !== undefined ? { capacityVolumeM3: v.capacityVolumeM3 } : {}),
    ...shift,
    ...(v.maxRouteHours !== undefined ? { maxRouteSeconds: v.maxRouteHours * 3600 } : {}),
    fixedCost: v.fixedCost,
    costPerKm: v.costPerKm,
    costPerHour: v.costPerHour,
  };
}

/** The shipment's service date: the stored one, or derived from the body for a shipment stored before service dates. */
export function serviceDateOf(state: ShipmentState, fleet: FleetConfig): string {
  return (
    state.serviceDate ??
    serviceDateFor(state.shipment, Date.parse(state.updatedAt), calendarOf(state.region, fleet))
  );
}
