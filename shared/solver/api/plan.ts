import { createProblem } from '../model/problem';
import { type CoreSolution, solveProblem } from '../solve';
import { solveInWorker } from '../worker/solve-in-worker';
import { buildMatrix, buildProblemData, diagnose, type Matrix, planRoute, summarize } from './build';
import { ProblemValidationError } from './errors';
import type { MatrixPort, RoutingInput, RoutingPlan, SolveOptions } from './types';
import { validateInput } from './validate';

/** Turns a core solution (client indices per vehicle) into the domain plan. */
export function toPlan(
  input: RoutingInput,
  matrix: Matrix,
  routes: number[][],
  unassigned: number[],
  earliestDeparture?: number,
): RoutingPlan {
  const planned = [];
  const byVehicle = new Map<string, number[]>();
  for (let v = 0; v < input.vehicles.length; v++) {
    const seq = routes[v] ?? [];
    byVehicle.set(input.vehicles[v]!.id, seq);
    if (seq.length > 0) planned.push(planRoute(input, matrix, input.vehicles[v]!, seq, earliestDeparture));
  }
  const un = unassigned.map((i) => ({
    shipmentId: input.shipments[i]!.id,
    reason: diagnose(input, matrix, i, byVehicle, earliestDeparture),
  }));
  return summarize(planned, un);
}

/**
 * Validates the input, builds the matrix through the port (great-circle by default) and solves
 * the multi-depot VRPTW in a worker thread (in-thread when workers are unavailable).
 */
export async function planRoutes(input: RoutingInput, options: SolveOptions): Promise<RoutingPlan> {
  validateInput(input);
  const penalty = options.movePenalty;
  if (penalty !== undefined && !(Number.isFinite(penalty) && penalty >= 0))
    throw new ProblemValidationError('movePenalty', 'must be a finite number >= 0');
  const matrix = await buildMatrix(input, options.matrix);
  const data = { ...buildProblemData(input, matrix), ...moveCosts(input, options) };
  const warm = warmStart(input, options);
  const opts = {
    ...warm,
    timeLimitMs: options.timeLimitMs,
    seed: options.seed,
    maxIterations: options.maxIterations,
    maxIterationsWithoutImprovement:
      options.maxIterationsWithoutImprovement || Math.max(10_000, 2_000 * input.shipments.length),
    onProgress: options.onProgress,
  };
  let res: CoreSolution;
  if (options.inThread) {
    const cb = options.onProgress;
    res = solveProblem(createProblem(data), {
      ...opts,
      ...(options.clock ? { clock: options.clock } : {}),
      onProgress: cb ? ({ elapsedMs, cost }) => cb({ elapsedMs, cost }) : undefined,
    });
  } else {
    res = await solveInWorker(data, opts);
  }
  return toPlan(input, matrix, res.routes, res.unassigned);
}

/** Per client: its current vehicle's index and the move penalty (SolveOptions.currentVehicles). */
function moveCosts(
  input: RoutingInput,
  options: SolveOptions,
): { preferredVehicle?: number[]; movePenalty?: number[] } {
  const penalty = options.movePenalty ?? 0;
  if (!options.currentVehicles || !(penalty > 0)) return {};
  const current = options.currentVehicles;
  const vehicleIndex = new Map(input.vehicles.map((v, i) => [v.id, i]));
  const preferredVehicle = input.shipments.map((s) =>
    Object.hasOwn(current, s.id) ? (vehicleIndex.get(current[s.id] ?? '') ?? -1) : -1,
  );
  return { preferredVehicle, movePenalty: input.shipments.map(() => penalty) };
}

/** Client indices of a warm start (SolveOptions.initialRoutes / fixedShipments). */
function warmStart(
  input: RoutingInput,
  options: SolveOptions,
): { initialRoutes?: number[][]; fixed?: number[] } {
  if (!options.initialRoutes && !options.fixedShipments) return {};
  const index = new Map(input.shipments.map((s, i) => [s.id, i]));
  const placed = new Set<number>();
  const routes = input.vehicles.map((v) =>
    // Own entries only: a vehicle id such as `constructor` is an ordinary id.
    (options.initialRoutes && Object.hasOwn(options.initialRoutes, v.id)
      ? (options.initialRoutes[v.id] ?? [])
      : []
    ).flatMap((id) => {
      const i = index.get(id);
      if (i === undefined || placed.has(i)) return [];
      placed.add(i);
      return [i];
    }),
  );
  const fixed = input.shipments.map(() => 0);
  for (const id of options.fixedShipments ?? []) {
    const i = index.get(id);
    // Only a shipment on an initial route can stay where it is.
    if (i !== undefined && placed.has(i)) fixed[i] = 1;
  }
  return { ...(options.initialRoutes ? { initialRoutes: routes } : {}), fixed };
}

/**
 * Distance these shipments would need if each were routed alone: for every shipment, the cheapest
 * (shortest) start depot → destination → end depot round trip over vehicles loading at its origin
 * depot (the origin depot itself when no such vehicle exists).
 */
export async function soloDistanceMeters(input: RoutingInput, matrix?: MatrixPort): Promise<number> {
  validateInput(input);
  const m = await buildMatrix(input, matrix);
  const D = input.depots.length;
  const idx = new Map(input.depots.map((d, i) => [d.id, i]));
  let total = 0;
  input.shipments.forEach((s, i) => {
    const loc = D + i;
    let best = Number.POSITIVE_INFINITY;
    for (const v of input.vehicles) {
      if (v.startDepotId !== s.originDepotId) continue;
      const a = idx.get(v.startDepotId)!;
      const b = idx.get(v.endDepotId ?? v.startDepotId)!;
      best = Math.min(best, m.distance[a * m.n + loc]! + m.distance[loc * m.n + b]!);
    }
    if (!Number.isFinite(best)) {
      const o = idx.get(s.originDepotId)!;
      best = m.distance[o * m.n + loc]! + m.distance[loc * m.n + o]!;
    }
    total += best;
  });
  return total;
}
