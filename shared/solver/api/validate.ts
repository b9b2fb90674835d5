import { ProblemValidationError } from './errors';
import type { GeoPoint, RoutingInput, ShipmentJobInput } from './types';

function fail(field: string, msg: string): never {
  throw new ProblemValidationError(field, msg);
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, 'must be a finite number');
  return v;
}

function nonNegative(v: unknown, field: string): number {
  const x = finite(v, field);
  if (x < 0) fail(field, 'must not be negative');
  return x;
}

function id(v: unknown, field: string, seen: Set<string>): string {
  if (typeof v !== 'string' || v.length === 0) fail(field, 'must be a non-empty string');
  if (seen.has(v)) fail(field, `duplicate id ${v}`);
  seen.add(v);
  return v;
}

function point(v: unknown, field: string): void {
  if (typeof v !== 'object' || v === null) fail(field, 'must be a {lat, lon} object');
  const g = v as GeoPoint;
  const lat = finite(g.lat, `${field}.lat`);
  const lon = finite(g.lon, `${field}.lon`);
  if (lat < -90 || lat > 90) fail(`${field}.lat`, 'must be within [-90, 90]');
  if (lon < -180 || lon > 180) fail(`${field}.lon`, 'must be within [-180, 180]');
}

export function validateShipment(
  s: ShipmentJobInput,
  field: string,
  depots: Set<string>,
  seen: Set<string>,
): void {
  if (typeof s !== 'object' || s === null) fail(field, 'must be an object');
  id(s.id, `${field}.id`, seen);
  if (!depots.has(s.originDepotId))
    fail(`${field}.originDepotId`, `unknown depot ${String(s.originDepotId)}`);
  point(s.destination, `${field}.destination`);
  nonNegative(s.weightKg, `${field}.weightKg`);
  if (s.volumeM3 !== undefined) nonNegative(s.volumeM3, `${field}.volumeM3`);
  nonNegative(s.serviceSeconds, `${field}.serviceSeconds`);
  if (s.timeWindow !== undefined) {
    const a = finite(s.timeWindow?.start, `${field}.timeWindow.start`);
    const b = finite(s.timeWindow?.end, `${field}.timeWindow.end`);
    if (b < a) fail(`${field}.timeWindow`, 'end before start');
  }
  if (typeof s.mustServe !== 'boolean') fail(`${field}.mustServe`, 'must be a boolean');
}

/** Validates once; throws ProblemValidationError naming the first offending field. */
export function validateInput(input: RoutingInput): void {
  if (typeof input !== 'object' || input === null) fail('input', 'must be an object');
  finite(input.planningStart, 'planningStart');
  if (!Array.isArray(input.depots) || input.depots.length === 0)
    fail('depots', 'at least one depot is required');
  if (!Array.isArray(input.vehicles)) fail('vehicles', 'must be an array');
  if (!Array.isArray(input.shipments)) fail('shipments', 'must be an array');
  const depots = new Set<string>();
  input.depots.forEach((d, i) => {
    id(d?.id, `depots[${i}].id`, depots);
    point(d.location, `depots[${i}].location`);
  });
  const vids = new Set<string>();
  input.vehicles.forEach((v, i) => {
    const f = `vehicles[${i}]`;
    id(v?.id, `${f}.id`, vids);
    if (!depots.has(v.startDepotId)) fail(`${f}.startDepotId`, `unknown depot ${String(v.startDepotId)}`);
    if (v.endDepotId !== undefined && !depots.has(v.endDepotId)) {
      fail(`${f}.endDepotId`, `unknown depot ${String(v.endDepotId)}`);
    }
    nonNegative(v.capacityWeightKg, `${f}.capacityWeightKg`);
    if (v.capacityVolumeM3 !== undefined) nonNegative(v.capacityVolumeM3, `${f}.capacityVolumeM3`);
    const a = finite(v.shiftStart, `${f}.shiftStart`);
    const b = finite(v.shiftEnd, `${f}.shiftEnd`);
    if (b < a) fail(`${f}.shiftEnd`, 'shift ends before it starts');
    if (v.maxRouteSeconds !== undefined && nonNegative(v.maxRouteSeconds, `${f}.maxRouteSeconds`) === 0) {
      fail(`${f}.maxRouteSeconds`, 'must be positive');
    }
    nonNegative(v.fixedCost, `${f}.fixedCost`);
    nonNegative(v.costPerKm, `${f}.costPerKm`);
    nonNegative(v.costPerHour, `${f}.costPerHour`);
  });
  const sids = new Set<string>();
  input.shipments.forEach((s, i) => {
    validateShipment(s, `shipments[${i}]`, depots, sids);
  });
}
