/**
 * The two reference distances a day of planned routes is compared with, shared by
 * bench:pipeline and simulate: every shipment routed alone (depot → destination → depot, the
 * nearest way back from its origin depot's vehicles), and one optimization per group (a region, or
 * a region and service date) that knows every shipment of the day in advance.
 */
import {
  type DepotInput,
  type MatrixPort,
  planRoutes,
  type ShipmentJobInput,
  soloDistanceMeters,
  type VehicleInput,
} from '../../shared/solver';

export interface DistanceGroup {
  /** e.g. `stockholm` or `se-stockholm 2026-11-27`. */
  name: string;
  depots: DepotInput[];
  vehicles: VehicleInput[];
  shipments: ShipmentJobInput[];
  /** Epoch seconds the whole-day plan starts at. */
  planningStart: number;
}

export interface GroupDistance {
  name: string;
  shipments: number;
  soloMeters: number;
  /** Undefined when the group was above `maxShipments` (not optimized). */
  wholeDayMeters?: number;
  unassigned?: number;
  /** The shipments the whole-day plan left unassigned, and its routes (vehicles used). */
  unassignedIds?: string[];
  routes?: number;
  seconds?: number;
}

/** Solo distance of every group, then one whole-day optimization per group of `budgetMs`. */
export async function dayDistances(
  groups: DistanceGroup[],
  options: {
    budgetMs: number;
    matrix: MatrixPort;
    /** Groups with more shipments are not optimized (memory: the matrix is n² × 8 bytes). */
    maxShipments?: number;
    onGroup?: (done: number, result: GroupDistance) => void;
  },
): Promise<GroupDistance[]> {
  const out: GroupDistance[] = [];
  for (const g of groups) {
    if (g.shipments.length === 0) continue;
    const input = {
      depots: g.depots,
      vehicles: g.vehicles,
      shipments: g.shipments,
      planningStart: g.planningStart,
    };
    const soloMeters = await soloDistanceMeters(input, options.matrix);
    const result: GroupDistance = { name: g.name, shipments: g.shipments.length, soloMeters };
    if (g.shipments.length <= (options.maxShipments ?? Number.POSITIVE_INFINITY)) {
      const started = performance.now();
      const plan = await planRoutes(input, {
        timeLimitMs: options.budgetMs,
        seed: 1,
        matrix: options.matrix,
      });
      result.wholeDayMeters = plan.distanceMeters;
      result.unassigned = plan.unassigned.length;
      result.unassignedIds = plan.unassigned.map((u) => u.shipmentId);
      result.routes = plan.routes.length;
      result.seconds = (performance.now() - started) / 1000;
    }
    out.push(result);
    options.onGroup?.(out.length, result);
  }
  return out;
}
