/** Domain-facing types of the routing engine (the contract other modules code against). */
export interface GeoPoint {
  lat: number;
  lon: number;
}

export interface DepotInput {
  id: string;
  location: GeoPoint;
}

export interface VehicleInput {
  id: string;
  startDepotId: string;
  /** Defaults to the start depot. */
  endDepotId?: string;
  capacityWeightKg: number;
  /** Unlimited when absent. */
  capacityVolumeM3?: number;
  /** Epoch seconds. */
  shiftStart: number;
  /** Epoch seconds. */
  shiftEnd: number;
  maxRouteSeconds?: number;
  fixedCost: number;
  costPerKm: number;
  costPerHour: number;
}

export interface ShipmentJobInput {
  id: string;
  originDepotId: string;
  destination: GeoPoint;
  weightKg: number;
  volumeM3?: number;
  serviceSeconds: number;
  /** Epoch seconds; window for the start of the delivery (service). */
  timeWindow?: { start: number; end: number };
  /** URGENT: must be served. */
  mustServe: boolean;
}

export interface RoutingInput {
  depots: DepotInput[];
  vehicles: VehicleInput[];
  shipments: ShipmentJobInput[];
  /** Epoch seconds. */
  planningStart: number;
}

export type UnassignedReason = 'capacity' | 'time_window' | 'shift' | 'no_vehicle' | 'unreachable';

export interface PlannedStop {
  shipmentId: string;
  /** Epoch seconds: arrival at the destination (service starts at max(arrival, timeWindow.start)). */
  arrival: number;
  /** Epoch seconds: end of service. */
  departure: number;
}

export interface PlannedRoute {
  vehicleId: string;
  stops: PlannedStop[];
  distanceMeters: number;
  durationSeconds: number;
  cost: number;
  /** Epoch seconds: departure from the start depot. */
  start: number;
  /** Epoch seconds: arrival at the end depot. */
  end: number;
}

export interface RoutingPlan {
  routes: PlannedRoute[];
  unassigned: { shipmentId: string; reason: UnassignedReason }[];
  distanceMeters: number;
  durationSeconds: number;
  vehiclesUsed: number;
  cost: number;
}

/**
 * Distance/duration source. `matrix(points)` returns n×n matrices for the n points, in METRES
 * and SECONDS, either row-major flat (Int32Array / number[] of length n²) or nested rows.
 * An unreachable pair is a negative, null or non-finite entry.
 */
export interface MatrixPort {
  matrix(points: GeoPoint[]): Promise<MatrixResult>;
  /**
   * Optional rectangular block: |origins| × |destinations| matrices, row r = origins[r], same
   * units and unreachable convention. Lets `cachedMatrix` ask only for the rows and columns of
   * points it has not seen; ports without it are asked for the square matrix instead.
   */
  block?(origins: GeoPoint[], destinations: GeoPoint[]): Promise<MatrixResult>;
}

export type MatrixValues = Int32Array | Float64Array | ArrayLike<number | null>[] | ArrayLike<number | null>;

export interface MatrixResult {
  distances: MatrixValues;
  durations: MatrixValues;
}

export interface SolveOptions {
  timeLimitMs: number;
  seed?: number;
  matrix?: MatrixPort;
  onProgress?: (p: { elapsedMs: number; cost: number }) => void;
  /** Stop after this many iterations (makes a run reproducible independently of machine speed). */
  maxIterations?: number;
  /**
   * Stop early once the best plan has not improved for this many iterations. Default
   * max(10,000, 2,000 × shipments): small windows return in a fraction of the budget, 100
   * shipments keep searching for ~200,000 stagnant iterations. 0 = default; Infinity = never.
   */
  maxIterationsWithoutImprovement?: number;
  /** Run in-thread instead of a worker (default: worker when available). */
  inThread?: boolean;
  /**
   * The time limit's clock in ms (default: the wall clock). In-thread only (a function does not
   * cross to a worker): a benchmark on a shared machine passes a CPU-time clock.
   */
  clock?: () => number;
  /**
   * Warm start from a current plan: shipment ids per vehicle id, in route order. The search starts
   * from these routes with the other shipments inserted (cheapest insertion), so its answer is never
   * worse than that; unknown ids and vehicles are ignored.
   */
  initialRoutes?: Record<string, readonly string[]>;
  /** Shipments the search must not move: they keep their vehicle and their order on it. */
  fixedShipments?: readonly string[];
  /**
   * A re-plan of a plan the SCM already has: the vehicle id each shipment is on now. Serving one of
   * them with another vehicle adds `movePenalty` to the objective, so a move is made only when it
   * gains more than that. Reordering on the same vehicle is free; unknown ids are ignored.
   */
  currentVehicles?: Readonly<Record<string, string>>;
  /**
   * Cost units (those of VehicleInput.fixedCost / costPerKm / costPerHour) per shipment moved off
   * its current vehicle; 0 or absent = moves are free. Not part of the returned plan's `cost`.
   */
  movePenalty?: number;
}

export interface FrozenPlan {
  plan: RoutingPlan;
  input: RoutingInput;
  /** Epoch seconds: stops with arrival <= now are frozen, as is every stop before them on the route. */
  now: number;
}

export interface InsertResult {
  plan: RoutingPlan;
  routeVehicleId?: string;
  unassignedReason?: UnassignedReason;
}
