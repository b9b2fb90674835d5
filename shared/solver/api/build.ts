import { merge, outD, outE, outL, outTW } from '../evaluation/segment';
import { createProblem, type Problem, type ProblemData } from '../model/problem';
import { greatCircleMatrix, toInt32Matrix, UNREACHABLE } from './matrix';
import type {
  GeoPoint,
  MatrixPort,
  PlannedRoute,
  PlannedStop,
  RoutingInput,
  RoutingPlan,
  UnassignedReason,
  VehicleInput,
} from './types';

/** Penalty (cost units) for leaving an URGENT shipment unassigned: effectively forbidden. */
export const REQUIRED_PENALTY = 1e9;
/** Penalty for leaving an optional shipment unassigned: far above any realistic route cost. */
export const OPTIONAL_PENALTY = 1e6;

export const GRAMS_PER_KG = 1000;
export const CM3_PER_M3 = 1_000_000;

/** Matrix over depots (first) then shipment destinations, in metres / seconds. */
export interface Matrix {
  n: number;
  distance: Int32Array;
  duration: Int32Array;
}

export interface BuiltProblem {
  problem: Problem;
  data: ProblemData;
  input: RoutingInput;
  depotIndex: Map<string, number>;
  matrix: Matrix;
}

export function points(input: RoutingInput): GeoPoint[] {
  return [...input.depots.map((d) => d.location), ...input.shipments.map((s) => s.destination)];
}

export async function buildMatrix(input: RoutingInput, port?: MatrixPort): Promise<Matrix> {
  const pts = points(input);
  const res = await (port ?? greatCircleMatrix()).matrix(pts);
  return {
    n: pts.length,
    distance: toInt32Matrix(res.distances, pts.length, 'distance'),
    duration: toInt32Matrix(res.durations, pts.length, 'duration'),
  };
}

/** Integer problem data; times are relative to planningStart (seconds). */
export function buildProblemData(
  input: RoutingInput,
  matrix: Matrix,
  overrides?: { earliestDeparture?: number },
): ProblemData {
  const depotIndex = new Map(input.depots.map((d, i) => [d.id, i]));
  const D = input.depots.length;
  const t0 = input.planningStart;
  const sh = input.shipments;
  const ve = input.vehicles;
  const early = overrides?.earliestDeparture;
  return {
    distance: matrix.distance,
    duration: matrix.duration,
    nNeighbours: 60,
    clientLocation: sh.map((_, i) => D + i),
    demandWeight: sh.map((s) => Math.round(s.weightKg * GRAMS_PER_KG)),
    demandVolume: sh.map((s) => Math.round((s.volumeM3 ?? 0) * CM3_PER_M3)),
    serviceTime: sh.map((s) => Math.round(s.serviceSeconds)),
    twEarly: sh.map((s) => (s.timeWindow ? s.timeWindow.start - t0 : -1e12)),
    twLate: sh.map((s) => (s.timeWindow ? s.timeWindow.end - t0 : 1e12)),
    required: sh.map((s) => (s.mustServe ? 1 : 0)),
    unassignedPenalty: sh.map((s) => (s.mustServe ? REQUIRED_PENALTY : OPTIONAL_PENALTY)),
    clientGroup: sh.map((s) => depotIndex.get(s.originDepotId)!),
    vehicleStart: ve.map((v) => depotIndex.get(v.startDepotId)!),
    vehicleEnd: ve.map((v) => depotIndex.get(v.endDepotId ?? v.startDepotId)!),
    vehicleGroup: ve.map((v) => depotIndex.get(v.startDepotId)!),
    capacityWeight: ve.map((v) => Math.round(v.capacityWeightKg * GRAMS_PER_KG)),
    capacityVolume: ve.map((v) =>
      v.capacityVolumeM3 === undefined ? 1e15 : Math.round(v.capacityVolumeM3 * CM3_PER_M3),
    ),
    shiftStart: ve.map((v) => Math.max(v.shiftStart, early ?? v.shiftStart) - t0),
    shiftEnd: ve.map((v) => v.shiftEnd - t0),
    maxDuration: ve.map((v) => v.maxRouteSeconds ?? 1e15),
    fixedCost: ve.map((v) => v.fixedCost),
    costPerDistance: ve.map((v) => v.costPerKm / 1000),
    costPerTime: ve.map((v) => v.costPerHour / 3600),
  };
}

export function buildProblem(
  input: RoutingInput,
  matrix: Matrix,
  overrides?: { earliestDeparture?: number },
): BuiltProblem {
  const data = buildProblemData(input, matrix, overrides);
  return {
    problem: createProblem(data),
    data,
    input,
    depotIndex: new Map(input.depots.map((d, i) => [d.id, i])),
    matrix,
  };
}

export function routeCost(v: VehicleInput, distanceMeters: number, durationSeconds: number): number {
  return v.fixedCost + (v.costPerKm / 1000) * distanceMeters + (v.costPerHour / 3600) * durationSeconds;
}

/**
 * Schedules one vehicle's stop sequence (shipment indices) exactly as the evaluation does: the
 * vehicle leaves its depot at the earliest start of the whole route segment (no avoidable waiting),
 * service starts at max(arrival, timeWindow.start).
 */
export function planRoute(
  input: RoutingInput,
  matrix: Matrix,
  vehicle: VehicleInput,
  shipmentIdx: number[],
  earliestDeparture?: number,
): PlannedRoute {
  const D = input.depots.length;
  const N = matrix.n;
  const depotIndex = new Map(input.depots.map((d, i) => [d.id, i]));
  const startLoc = depotIndex.get(vehicle.startDepotId)!;
  const endLoc = depotIndex.get(vehicle.endDepotId ?? vehicle.startDepotId)!;
  const locs = [startLoc, ...shipmentIdx.map((i) => D + i), endLoc];
  const ss = Math.max(vehicle.shiftStart, earliestDeparture ?? vehicle.shiftStart);
  let sD = 0;
  let sTW = 0;
  let sE = ss;
  let sL = vehicle.shiftEnd;
  for (let k = 1; k < locs.length; k++) {
    const s = k < locs.length - 1 ? input.shipments[shipmentIdx[k - 1]!]! : undefined;
    const e = s ? (s.timeWindow ? s.timeWindow.start : input.planningStart - 1e12) : ss;
    const l = s ? (s.timeWindow ? s.timeWindow.end : input.planningStart + 1e12) : vehicle.shiftEnd;
    merge(
      sD,
      sTW,
      sE,
      sL,
      matrix.duration[locs[k - 1]! * N + locs[k]!]!,
      s ? Math.round(s.serviceSeconds) : 0,
      0,
      e,
      l,
    );
    sD = outD;
    sTW = outTW;
    sE = outE;
    sL = outL;
  }
  const start = sE;
  let t = start;
  let dist = 0;
  const stops: PlannedStop[] = [];
  for (let k = 1; k < locs.length; k++) {
    dist += matrix.distance[locs[k - 1]! * N + locs[k]!]!;
    t += matrix.duration[locs[k - 1]! * N + locs[k]!]!;
    if (k < locs.length - 1) {
      const s = input.shipments[shipmentIdx[k - 1]!]!;
      const arrival = t;
      t = Math.max(arrival, s.timeWindow?.start ?? arrival) + Math.round(s.serviceSeconds);
      stops.push({ shipmentId: s.id, arrival, departure: t });
    }
  }
  const duration = t - start;
  return {
    vehicleId: vehicle.id,
    stops,
    distanceMeters: dist,
    durationSeconds: duration,
    cost: stops.length === 0 ? 0 : routeCost(vehicle, dist, duration),
    start,
    end: t,
  };
}

/** Plan totals; `cost` is the operational cost of the routes (penalties of unassigned shipments excluded). */
export function summarize(routes: PlannedRoute[], unassigned: RoutingPlan['unassigned']): RoutingPlan {
  const used = routes.filter((r) => r.stops.length > 0);
  return {
    routes: used,
    unassigned,
    distanceMeters: used.reduce((a, r) => a + r.distanceMeters, 0),
    durationSeconds: used.reduce((a, r) => a + r.durationSeconds, 0),
    vehiclesUsed: used.length,
    cost: used.reduce((a, r) => a + r.cost, 0),
  };
}

/**
 * Why a shipment could not be served. Checked in order: no compatible vehicle, unreachable,
 * capacity, time window, shift (duration / shift end); when it fits alone in some vehicle but
 * not in the plan, the blocking constraint of the best candidate route is reported.
 */
export function diagnose(
  input: RoutingInput,
  matrix: Matrix,
  shipmentIdx: number,
  routesByVehicle: Map<string, number[]>,
  earliestDeparture?: number,
): UnassignedReason {
  const s = input.shipments[shipmentIdx]!;
  const D = input.depots.length;
  const N = matrix.n;
  const depotIndex = new Map(input.depots.map((d, i) => [d.id, i]));
  const vehicles = input.vehicles.filter(
    (v) => v.startDepotId === s.originDepotId && v.shiftEnd > (earliestDeparture ?? -Infinity),
  );
  if (vehicles.length === 0) return 'no_vehicle';
  const loc = D + shipmentIdx;
  const reachable = vehicles.filter((v) => {
    const a = depotIndex.get(v.startDepotId)!;
    const b = depotIndex.get(v.endDepotId ?? v.startDepotId)!;
    return matrix.distance[a * N + loc]! < UNREACHABLE && matrix.distance[loc * N + b]! < UNREACHABLE;
  });
  if (reachable.length === 0) return 'unreachable';
  const fits = reachable.filter(
    (v) =>
      Math.round(s.weightKg * GRAMS_PER_KG) <= Math.round(v.capacityWeightKg * GRAMS_PER_KG) &&
      (v.capacityVolumeM3 === undefined ||
        Math.round((s.volumeM3 ?? 0) * CM3_PER_M3) <= Math.round(v.capacityVolumeM3 * CM3_PER_M3)),
  );
  if (fits.length === 0) return 'capacity';
  // alone: time window / shift
  let twOk = false;
  for (const v of fits) {
    const a = depotIndex.get(v.startDepotId)!;
    const b = depotIndex.get(v.endDepotId ?? v.startDepotId)!;
    const dep = Math.max(v.shiftStart, earliestDeparture ?? v.shiftStart);
    const arrive = dep + matrix.duration[a * N + loc]!;
    const startService = Math.max(arrive, s.timeWindow?.start ?? arrive);
    if (s.timeWindow && arrive > s.timeWindow.end) continue;
    twOk = true;
    const back = startService + s.serviceSeconds + matrix.duration[loc * N + b]!;
    const minDuration = back - Math.max(dep, startService - matrix.duration[a * N + loc]!);
    if (back <= v.shiftEnd && minDuration <= (v.maxRouteSeconds ?? Infinity)) {
      // feasible alone: blocked by the plan
      const seq = routesByVehicle.get(v.id);
      if (seq === undefined || seq.length === 0) continue; // an idle vehicle would have been used
      let load = 0;
      for (const i of seq) load += input.shipments[i]!.weightKg;
      if (load + s.weightKg > v.capacityWeightKg) return 'capacity';
      return 'time_window';
    }
  }
  return twOk ? 'shift' : 'time_window';
}
