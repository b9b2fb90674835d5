import type { Problem } from '../model/problem';
import { merge, outD, outE, outL, outTW } from './segment';

/**
 * One vehicle's route with cached forward/backward segments. Position 0 is the start depot,
 * positions 1..n the clients, n+1 the end depot. Instances are treated as immutable once built:
 * a changed route is rebuilt (copy-on-write), so solutions can share unchanged routes.
 */
export class RouteState {
  readonly vehicle: number;
  readonly seq: Int32Array;
  /** Location of each position 0..n+1. */
  readonly loc: Int32Array;
  readonly fD: Float64Array;
  readonly fTW: Float64Array;
  readonly fE: Float64Array;
  readonly fL: Float64Array;
  readonly bD: Float64Array;
  readonly bTW: Float64Array;
  readonly bE: Float64Array;
  readonly bL: Float64Array;
  readonly loadWeight: number;
  readonly loadVolume: number;
  readonly distance: number;
  /** Minimal route duration (travel + service + unavoidable waiting). */
  readonly duration: number;
  /** Time warp incl. excess over the maximum route duration; 0 = time-feasible. */
  readonly timeWarp: number;
  /** Earliest departure from the start depot that realises the minimal duration. */
  readonly startTime: number;
  readonly cost: number;

  constructor(p: Problem, vehicle: number, seq: ArrayLike<number>) {
    const n = seq.length;
    this.vehicle = vehicle;
    this.seq = Int32Array.from(seq);
    const loc = new Int32Array(n + 2);
    loc[0] = p.vehicleStart[vehicle]!;
    loc[n + 1] = p.vehicleEnd[vehicle]!;
    let w = 0;
    let vol = 0;
    for (let i = 0; i < n; i++) {
      const c = this.seq[i]!;
      loc[i + 1] = p.clientLocation[c]!;
      w += p.demandWeight[c]!;
      vol += p.demandVolume[c]!;
    }
    this.loc = loc;
    this.loadWeight = w;
    this.loadVolume = vol;
    const N = p.nLocations;
    const dm = p.distance;
    const tm = p.duration;
    let dist = 0;
    for (let i = 0; i <= n; i++) dist += dm[loc[i]! * N + loc[i + 1]!]!;
    this.distance = dist;

    const fD = new Float64Array(n + 2);
    const fTW = new Float64Array(n + 2);
    const fE = new Float64Array(n + 2);
    const fL = new Float64Array(n + 2);
    const ss = p.shiftStart[vehicle]!;
    const se = p.shiftEnd[vehicle]!;
    fD[0] = 0;
    fTW[0] = 0;
    fE[0] = ss;
    fL[0] = se;
    for (let i = 1; i <= n + 1; i++) {
      let sD = 0;
      let sE = ss;
      let sL = se;
      if (i <= n) {
        const c = this.seq[i - 1]!;
        sD = p.serviceTime[c]!;
        sE = p.twEarly[c]!;
        sL = p.twLate[c]!;
      }
      merge(fD[i - 1]!, fTW[i - 1]!, fE[i - 1]!, fL[i - 1]!, tm[loc[i - 1]! * N + loc[i]!]!, sD, 0, sE, sL);
      fD[i] = outD;
      fTW[i] = outTW;
      fE[i] = outE;
      fL[i] = outL;
    }
    const bD = new Float64Array(n + 2);
    const bTW = new Float64Array(n + 2);
    const bE = new Float64Array(n + 2);
    const bL = new Float64Array(n + 2);
    bD[n + 1] = 0;
    bTW[n + 1] = 0;
    bE[n + 1] = ss;
    bL[n + 1] = se;
    for (let i = n; i >= 0; i--) {
      let sD = 0;
      let sE = ss;
      let sL = se;
      if (i >= 1) {
        const c = this.seq[i - 1]!;
        sD = p.serviceTime[c]!;
        sE = p.twEarly[c]!;
        sL = p.twLate[c]!;
      }
      merge(sD, 0, sE, sL, tm[loc[i]! * N + loc[i + 1]!]!, bD[i + 1]!, bTW[i + 1]!, bE[i + 1]!, bL[i + 1]!);
      bD[i] = outD;
      bTW[i] = outTW;
      bE[i] = outE;
      bL[i] = outL;
    }
    this.fD = fD;
    this.fTW = fTW;
    this.fE = fE;
    this.fL = fL;
    this.bD = bD;
    this.bTW = bTW;
    this.bE = bE;
    this.bL = bL;
    this.duration = fD[n + 1]!;
    this.timeWarp = fTW[n + 1]! + Math.max(0, fD[n + 1]! - p.maxDuration[vehicle]!);
    this.startTime = fE[n + 1]!;
    this.cost =
      n === 0
        ? 0
        : p.fixedCost[vehicle]! +
          p.costPerDistance[vehicle]! * dist +
          p.costPerTime[vehicle]! * this.duration;
  }

  get size(): number {
    return this.seq.length;
  }
}

/**
 * Cost delta of inserting client `u` between positions `pos` and `pos+1` of route `r`, or
 * Infinity when the insertion violates time windows, shift or maximum duration. Capacity and
 * compatibility are the caller's business (they do not depend on the position). O(1).
 */
export function insertionDelta(p: Problem, r: RouteState, u: number, pos: number): number {
  const N = p.nLocations;
  const a = r.loc[pos]!;
  const b = r.loc[pos + 1]!;
  const lu = p.clientLocation[u]!;
  const tm = p.duration;
  merge(
    r.fD[pos]!,
    r.fTW[pos]!,
    r.fE[pos]!,
    r.fL[pos]!,
    tm[a * N + lu]!,
    p.serviceTime[u]!,
    0,
    p.twEarly[u]!,
    p.twLate[u]!,
  );
  merge(
    outD,
    outTW,
    outE,
    outL,
    tm[lu * N + b]!,
    r.bD[pos + 1]!,
    r.bTW[pos + 1]!,
    r.bE[pos + 1]!,
    r.bL[pos + 1]!,
  );
  const v = r.vehicle;
  if (outTW > 0 || outD > p.maxDuration[v]!) return Number.POSITIVE_INFINITY;
  const dm = p.distance;
  const dDist = dm[a * N + lu]! + dm[lu * N + b]! - dm[a * N + b]!;
  let delta = p.costPerDistance[v]! * dDist + p.costPerTime[v]! * (outD - r.duration);
  if (r.seq.length === 0) delta += p.fixedCost[v]!;
  return delta;
}
