import { createProblem } from '../model/problem';
import { solveProblem } from '../solve';
import { type Clock, defaultClock, timeLimit } from '../stop/stopping';
import { solveInWorker } from '../worker/solve-in-worker';
import { buildMatrix, buildProblemData, diagnose, planRoute, summarize } from './build';
import { ProblemValidationError } from './errors';
import type {
  FrozenPlan,
  InsertResult,
  MatrixPort,
  PlannedRoute,
  RoutingInput,
  ShipmentJobInput,
} from './types';
import { validateShipment } from './validate';

/**
 * Real-time insertion of one (URGENT) shipment into the current plan.
 *
 * Model (ADR 0002): a shipment is loaded at its origin depot, so only vehicles of that depot that
 * have not yet left it (route start > now, hence no frozen stop) or are idle can take it. Routes
 * that have departed are frozen entirely and returned untouched. The candidate routes plus the new
 * shipment form a small sub-problem: cheapest feasible insertion first, then ruin-and-recreate
 * repair within the remaining budget (optional shipments may be dropped to make room for an
 * urgent one). Always answers within `budgetMs` (plus matrix-port latency).
 */
export async function insertShipment(
  current: FrozenPlan,
  shipment: ShipmentJobInput,
  budgetMs: number,
  options?: {
    matrix?: MatrixPort;
    clock?: Clock;
    seed?: number;
    /** false: cheapest feasible insertion only, no re-sequencing of the other shipments (default true). */
    repair?: boolean;
    /** Repair on the caller's thread instead of a worker thread (as planRoutes' `inThread`). */
    inThread?: boolean;
  },
): Promise<InsertResult> {
  const clock = options?.clock ?? defaultClock;
  const t0 = clock();
  const { plan, input, now } = current;
  const depots = new Set(input.depots.map((d) => d.id));
  const knownIds = new Set(input.shipments.map((s) => s.id));
  validateShipment(shipment, 'shipment', depots, new Set());
  if (knownIds.has(shipment.id))
    throw new ProblemValidationError('shipment.id', `duplicate id ${shipment.id}`);

  const routeOf = new Map(plan.routes.map((r) => [r.vehicleId, r]));
  const eligible = input.vehicles.filter((v) => {
    if (v.startDepotId !== shipment.originDepotId || v.shiftEnd <= now) return false;
    const r = routeOf.get(v.id);
    return r === undefined || r.stops.length === 0 || r.start > now;
  });
  const shipIndex = new Map(input.shipments.map((s, i) => [s.id, i]));
  const subShipments: ShipmentJobInput[] = [];
  const initialRoutes: number[][] = [];
  for (const v of eligible) {
    const seq: number[] = [];
    for (const st of routeOf.get(v.id)?.stops ?? []) {
      const s = input.shipments[shipIndex.get(st.shipmentId)!]!;
      seq.push(subShipments.length);
      subShipments.push(s);
    }
    initialRoutes.push(seq);
  }
  const newIdx = subShipments.length;
  subShipments.push(shipment);
  const sub: RoutingInput = {
    depots: input.depots,
    vehicles: eligible,
    shipments: subShipments,
    planningStart: input.planningStart,
  };
  const matrix = await buildMatrix(sub, options?.matrix);
  const earliest = Math.max(now, input.planningStart);
  const data = buildProblemData(sub, matrix, { earliestDeparture: earliest });
  const remaining = Math.max(0, budgetMs * 0.75 - (clock() - t0) - 2);
  const seed = options?.seed ?? 1;
  // The repair runs in a worker thread (the caller's event loop stays free, as planRoutes'), by
  // a wall-clock deadline so that starting the worker comes out of the budget; the insertion alone
  // (repair false), an injected clock or `inThread` solve here.
  const here = options?.repair === false || options?.clock !== undefined || options?.inThread === true;
  const res = here
    ? solveProblem(createProblem(data), {
        timeLimitMs: remaining,
        seed,
        clock,
        stop: timeLimit(remaining, clock),
        maxIterations: options?.repair === false ? 0 : undefined,
        initialRoutes,
      })
    : await solveInWorker(data, {
        timeLimitMs: remaining,
        seed,
        initialRoutes,
        deadlineEpochMs: Date.now() + remaining,
        warmOnly: true,
      });

  // assemble: untouched routes + re-planned candidate routes
  const eligibleIds = new Set(eligible.map((v) => v.id));
  const routes: PlannedRoute[] = plan.routes.filter((r) => !eligibleIds.has(r.vehicleId));
  let routeVehicleId: string | undefined;
  const byVehicle = new Map<string, number[]>();
  eligible.forEach((v, k) => {
    const seq = res.routes[k] ?? [];
    byVehicle.set(v.id, seq);
    if (seq.length === 0) return;
    routes.push(planRoute(sub, matrix, v, seq, earliest));
    if (seq.includes(newIdx)) routeVehicleId = v.id;
  });
  const order = new Map(input.vehicles.map((v, i) => [v.id, i]));
  routes.sort((a, b) => order.get(a.vehicleId)! - order.get(b.vehicleId)!);
  const unassigned = [...plan.unassigned];
  let unassignedReason: InsertResult['unassignedReason'];
  for (const i of res.unassigned) {
    const reason = eligible.length === 0 ? 'no_vehicle' : diagnose(sub, matrix, i, byVehicle, earliest);
    unassigned.push({ shipmentId: subShipments[i]!.id, reason });
    if (i === newIdx) unassignedReason = reason;
  }
  return { plan: summarize(routes, unassigned), routeVehicleId, unassignedReason };
}
