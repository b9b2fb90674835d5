import { merge, outD, outTW } from '../evaluation/segment';
import { createProblem, type Problem, type ProblemData } from '../model/problem';
import { greatCircleMatrix, toInt32Matrix, UNREACHABLE } from './matrix';
import type {
  GeoPoint,
  MatrixPort,
  PlannedRoute,
  RoutingInput,
  RoutingPlan,
  ShipmentJobInput,
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
    capacityVolume: ve.map((v) => (v.capacityVolumeM3 === undefined ? 1e15 : Math.round(v.capacityVolumeM3 * CM3_PER_M3))),
    shiftStart: ve.map((v) => Math.max(v.shiftStart, early ?? v.shiftStart) - t0),
    shiftEnd: ve.map((v) => v.shiftEnd - t0),
    maxDuration: ve.map((v) => v.maxRouteSeconds ?? 1e15),
    fixedCost: ve.map((v) => v.fixedCost),
    costPerDistance: ve.map((v) => v.costPerKm / 1000),
    costPerTime: ve.map((v) => v.costPerHour / 3600),
  };
}

export function buildProblem(input: RoutingInput, matrix: Matrix, overrides?: { earliestDeparture?: number }): BuiltProblem {
  const data = buildProblemData(input, matrix, overrides);
  return {
    problem: createProblem(data),
    data,
    input,
    depotIndex: new Map(input.depots.map((d, i) => [d.id, i])),
    matrix,
  };
}

/** Schedules one vehicle's stop sequence (shipment indices) exactly as the evaluation does. */
export function planRoute(
  input: RoutingInput,
  matrix: Matrix,
  vehicle: VehicleInput,
  shipmentIdx: number[],
  earliestDeparture?: number,
): PlannedRoute {
  const depotIndex = new Map(input.depots.map((d, i) => [d.id, i]));
  const D = input.depots.length;
  const N = matrix.n;
  const startLoc = depotIndex.get(vehicle.startDepotId)!;
  const endLoc = depotIndex.get(vehicle.endDepotId ?? vehicle.startDepotId)!;
  const locs = [startLoc, ...shipmentIdx.map((i) => D + i), endLoc];
  const ss = Math.max(vehicle.shiftStart, earliestDeparture ?? vehicle.shiftStart);
  // latest-possible-start logic identical to the segment evaluation: start at E of the whole route
  let sD = 0;
  let sTW = 0;
  let sE = ss;
  let sL = vehicle.shiftEnd;
  for (let k = 1; k < locs.length; k++) {
    const isStop = k < locs.length - 1;
    const s = isStop ? input.shipments[shipmentIdx[k - 1]!]! : undefined;
    merge(
      sD,
      sTW,
      sE,
      sL,
      matrix.duration[locs[k - 1]! * N + locs[k]!]!,
      s ? s.serviceSeconds : 0,
      0,
      s?.timeWindow ? s.timeWindow.start : isStop ? -1e12 + input.planningStart : ss,
      s?.timeWindow ? s.timeWindow.end : isStop ? 1e12 + input.planningStart : vehicle.shiftEnd,
    );
    const e = Math.max(
      s?.timeWindow ? s.timeWindow.start : isStop ? -1e12 + input.planningStart : ss,
      0 * outTW,
    );
    void e;
    sE = sE; // placeholder, replaced below
    ({ sD, sTW, sE, sL } = lastMerge());
  }
  const start = sE;
  let t = start;
  let dist = 0;
  const stops = [];
  for (let k = 1; k < locs.length; k++) {
    dist += matrix.distance[locs[k - 1]! * N + locs[k]!]!;
    t += matrix.duration[locs[k - 1]! * N + locs[k]!]!;
    if (k < locs.length - 1) {
      const s = input.shipments[shipmentIdx[k - 1]!]!;
      const arrival = t;
      const serviceStart = Math.max(arrival, s.timeWindow?.start ?? arrival);
      t = serviceStart + s.serviceSeconds;
      stops.push({ shipmentId: s.id, arrival, departure: t });
    }
  }
  const duration = t - start;
  void outD;
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
