/**
 * Validated, immutable problem data in integer units.
 *
 * Index conventions: locations are 0..nLocations-1 (depots and client sites mixed); clients are
 * 0..nClients-1 and refer to a location through `clientLocation`; vehicles are 0..nVehicles-1.
 * Distances and durations are integer (metres / seconds, or DIMACS tenths for Solomon); times
 * are integers relative to the planning start. Everything is frozen after construction.
 */
export interface Problem {
  readonly nLocations: number;
  /** Row-major nLocations × nLocations distance matrix (integer units). */
  readonly distance: Int32Array;
  /** Row-major nLocations × nLocations travel-time matrix (integer units). */
  readonly duration: Int32Array;

  readonly nClients: number;
  readonly clientLocation: Int32Array;
  readonly demandWeight: Int32Array;
  readonly demandVolume: Int32Array;
  readonly serviceTime: Int32Array;
  /** Earliest start of service. */
  readonly twEarly: Float64Array;
  /** Latest start of service. */
  readonly twLate: Float64Array;
  /** 1 when the client must be served (URGENT / benchmark). */
  readonly required: Uint8Array;
  /** Penalty paid when the client stays unassigned. */
  readonly unassignedPenalty: Float64Array;
  /** Compatibility group (start depot); -1 = any vehicle. */
  readonly clientGroup: Int32Array;
  /**
   * The vehicle a client is on in the plan being re-optimized (-1 = none): serving it with another
   * vehicle costs `movePenalty[client]` in the objective (a move of an assignment already announced).
   */
  readonly preferredVehicle: Int32Array;
  /** Cost units paid when a client with a preferred vehicle is served by another one (0 = free). */
  readonly movePenalty: Float64Array;
  /** True when some client has a preferred vehicle and a positive move penalty. */
  readonly movesCost: boolean;

  readonly nVehicles: number;
  readonly vehicleStart: Int32Array;
  readonly vehicleEnd: Int32Array;
  readonly capacityWeight: Float64Array;
  readonly capacityVolume: Float64Array;
  readonly shiftStart: Float64Array;
  readonly shiftEnd: Float64Array;
  readonly maxDuration: Float64Array;
  readonly fixedCost: Float64Array;
  /** Cost per distance unit. */
  readonly costPerDistance: Float64Array;
  /** Cost per time unit. */
  readonly costPerTime: Float64Array;
  readonly vehicleGroup: Int32Array;
  /** Vehicles with identical attributes share a type (used to evaluate one empty vehicle per type). */
  readonly vehicleType: Int32Array;
  readonly nVehicleTypes: number;

  /** For every client, the `nNeighbours` nearest other clients (row-major nClients × nNeighbours). */
  readonly neighbours: Int32Array;
  readonly nNeighbours: number;
  /**
   * True when time can never constrain or cost anything (all travel and service times 0, no
   * time cost, every window covers every shift): evaluation then skips the time segments (CVRP).
   */
  readonly timeless: boolean;
}

export interface ProblemData {
  distance: Int32Array;
  duration: Int32Array;
  clientLocation: ArrayLike<number>;
  demandWeight: ArrayLike<number>;
  demandVolume?: ArrayLike<number>;
  serviceTime: ArrayLike<number>;
  twEarly: ArrayLike<number>;
  twLate: ArrayLike<number>;
  required: ArrayLike<number>;
  unassignedPenalty: ArrayLike<number>;
  clientGroup?: ArrayLike<number>;
  /** Per client: its current vehicle (-1 = none); default none. */
  preferredVehicle?: ArrayLike<number>;
  /** Per client: the cost of serving it with another vehicle than its preferred one; default 0. */
  movePenalty?: ArrayLike<number>;
  vehicleStart: ArrayLike<number>;
  vehicleEnd: ArrayLike<number>;
  capacityWeight: ArrayLike<number>;
  capacityVolume?: ArrayLike<number>;
  shiftStart: ArrayLike<number>;
  shiftEnd: ArrayLike<number>;
  maxDuration?: ArrayLike<number>;
  fixedCost?: ArrayLike<number>;
  costPerDistance?: ArrayLike<number>;
  costPerTime?: ArrayLike<number>;
  vehicleGroup?: ArrayLike<number>;
  nNeighbours?: number;
}

const BIG = 1e15;

function fill<T extends Float64Array | Int32Array | Uint8Array>(
  arr: T,
  src: ArrayLike<number> | undefined,
  dflt: number,
): T {
  for (let i = 0; i < arr.length; i++) arr[i] = src ? (src[i] ?? dflt) : dflt;
  return arr;
}

/** Builds the immutable internal problem. Input must already be validated (see api/validate). */
export function createProblem(d: ProblemData): Problem {
  const nLoc = Math.round(Math.sqrt(d.distance.length));
  if (nLoc * nLoc !== d.distance.length || d.duration.length !== d.distance.length) {
    throw new Error('matrix must be square and distance/duration of equal size');
  }
  const n = d.clientLocation.length;
  const m = d.vehicleStart.length;
  const clientLocation = fill(new Int32Array(n), d.clientLocation, 0);
  const vehicleStart = fill(new Int32Array(m), d.vehicleStart, 0);
  const vehicleEnd = fill(new Int32Array(m), d.vehicleEnd, 0);
  const capacityWeight = fill(new Float64Array(m), d.capacityWeight, BIG);
  const capacityVolume = fill(new Float64Array(m), d.capacityVolume, BIG);
  const shiftStart = fill(new Float64Array(m), d.shiftStart, 0);
  const shiftEnd = fill(new Float64Array(m), d.shiftEnd, BIG);
  const maxDuration = fill(new Float64Array(m), d.maxDuration, BIG);
  const fixedCost = fill(new Float64Array(m), d.fixedCost, 0);
  const costPerDistance = fill(new Float64Array(m), d.costPerDistance, 1);
  const costPerTime = fill(new Float64Array(m), d.costPerTime, 0);
  const vehicleGroup = fill(new Int32Array(m), d.vehicleGroup, -1);

  const vehicleType = new Int32Array(m);
  const sig = new Map<string, number>();
  for (let v = 0; v < m; v++) {
    const key = [
      vehicleStart[v],
      vehicleEnd[v],
      capacityWeight[v],
      capacityVolume[v],
      shiftStart[v],
      shiftEnd[v],
      maxDuration[v],
      fixedCost[v],
      costPerDistance[v],
      costPerTime[v],
      vehicleGroup[v],
    ].join('|');
    let t = sig.get(key);
    if (t === undefined) {
      t = sig.size;
      sig.set(key, t);
    }
    vehicleType[v] = t;
  }

  const nNeighbours = Math.max(0, Math.min(n - 1, d.nNeighbours ?? 100));
  const neighbours = new Int32Array(n * nNeighbours);
  // top-K selection by insertion into a small sorted buffer: O(n·(n + K)) without full sorts
  const topKey = new Float64Array(nNeighbours + 1);
  const topIdx = new Int32Array(nNeighbours + 1);
  for (let i = 0; i < n; i++) {
    let cnt = 0;
    const li = clientLocation[i]!;
    for (let j = 0; j < n; j++) {
      if (j === i || nNeighbours === 0) continue;
      const lj = clientLocation[j]!;
      const k = d.distance[li * nLoc + lj]! + d.distance[lj * nLoc + li]! + j * 1e-9;
      if (cnt === nNeighbours && k >= topKey[cnt - 1]!) continue;
      let pos = cnt < nNeighbours ? cnt++ : cnt - 1;
      while (pos > 0 && topKey[pos - 1]! > k) {
        topKey[pos] = topKey[pos - 1]!;
        topIdx[pos] = topIdx[pos - 1]!;
        pos--;
      }
      topKey[pos] = k;
      topIdx[pos] = j;
    }
    for (let k = 0; k < nNeighbours; k++) neighbours[i * nNeighbours + k] = topIdx[k]!;
  }

  let timeless = true;
  for (let i = 0; i < d.duration.length && timeless; i++) if (d.duration[i] !== 0) timeless = false;
  let minShift = Number.POSITIVE_INFINITY;
  let maxShift = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < m; v++) {
    if (costPerTime[v] !== 0 || shiftEnd[v]! < shiftStart[v]!) timeless = false;
    minShift = Math.min(minShift, shiftStart[v]!);
    maxShift = Math.max(maxShift, shiftEnd[v]!);
  }
  for (let i = 0; i < n && timeless; i++) {
    if ((d.serviceTime[i] ?? 0) !== 0) timeless = false;
    if ((d.twEarly[i] ?? 0) > minShift || (d.twLate[i] ?? BIG) < maxShift) timeless = false;
  }

  const preferredVehicle = fill(new Int32Array(n), d.preferredVehicle, -1);
  const movePenalty = fill(new Float64Array(n), d.movePenalty, 0);
  let movesCost = false;
  for (let i = 0; i < n && !movesCost; i++) movesCost = preferredVehicle[i]! >= 0 && movePenalty[i]! > 0;

  const p: Problem = {
    nLocations: nLoc,
    distance: d.distance,
    duration: d.duration,
    nClients: n,
    clientLocation,
    demandWeight: fill(new Int32Array(n), d.demandWeight, 0),
    demandVolume: fill(new Int32Array(n), d.demandVolume, 0),
    serviceTime: fill(new Int32Array(n), d.serviceTime, 0),
    twEarly: fill(new Float64Array(n), d.twEarly, 0),
    twLate: fill(new Float64Array(n), d.twLate, BIG),
    required: fill(new Uint8Array(n), d.required, 1),
    unassignedPenalty: fill(new Float64Array(n), d.unassignedPenalty, 1e9),
    clientGroup: fill(new Int32Array(n), d.clientGroup, -1),
    preferredVehicle,
    movePenalty,
    movesCost,
    nVehicles: m,
    vehicleStart,
    vehicleEnd,
    capacityWeight,
    capacityVolume,
    shiftStart,
    shiftEnd,
    maxDuration,
    fixedCost,
    costPerDistance,
    costPerTime,
    vehicleGroup,
    vehicleType,
    nVehicleTypes: sig.size,
    neighbours,
    nNeighbours,
    timeless,
  };
  return Object.freeze(p);
}

/** What serving `client` with `vehicle` adds to the objective for moving it off its preferred vehicle. */
export function moveCost(p: Problem, client: number, vehicle: number): number {
  const preferred = p.preferredVehicle[client]!;
  return preferred >= 0 && preferred !== vehicle ? p.movePenalty[client]! : 0;
}

export function compatible(p: Problem, client: number, vehicle: number): boolean {
  const g = p.clientGroup[client]!;
  return g < 0 || g === p.vehicleGroup[vehicle];
}
