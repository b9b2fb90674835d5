import { moveCost, type Problem } from '../model/problem';
import { merge, outD, outE, outL, outTW } from './segment';
import { float64s, int32s } from './slab';

const NO_SEGMENTS = new Float64Array(0);

/**
 * One vehicle's route with cached forward/backward time-window segments. Position 0 is the start
 * depot, positions 1..n the clients, n+1 the end depot. `seg` interleaves, for each position i,
 * the forward segment of positions 0..i (D, TW, E, L at 8i..8i+3) and the backward segment of
 * positions i..n+1 (at 8i+4..8i+7). Instances are immutable once built: a changed route is rebuilt
 * (copy-on-write), so solutions can share unchanged routes.
 */
export class RouteState {
  readonly vehicle: number;
  readonly seq: Int32Array;
  /** Location of each position 0..n+1. */
  readonly loc: Int32Array;
  readonly seg: Float64Array;
  readonly loadWeight: number;
  readonly loadVolume: number;
  readonly distance: number;
  /** Minimal route duration (travel + service + unavoidable waiting). */
  readonly duration: number;
  /** Move penalties of the clients this vehicle serves instead of their preferred one. */
  readonly moves: number;
  /** Time warp incl. excess over the maximum route duration; 0 = time-feasible. */
  readonly timeWarp: number;
  /** Departure from the start depot that realises the minimal duration. */
  readonly startTime: number;
  /** Fixed, distance and time cost of the route plus its move penalties (`moves`). */
  readonly cost: number;

  /**
   * Builds the route of `vehicle` visiting `seq`. When `base` (a route of the same vehicle) shares
   * its first `prefix` and last `suffix` clients with `seq`, their forward and backward segments are
   * copied instead of recomputed, so an insertion or a string removal costs the merges of the
   * changed part only.
   */
  constructor(
    p: Problem,
    vehicle: number,
    seq: ArrayLike<number>,
    base?: RouteState,
    prefix = 0,
    suffix = 0,
  ) {
    const n = seq.length;
    this.vehicle = vehicle;
    const s = int32s(n);
    s.set(seq);
    this.seq = s;
    const loc = int32s(n + 2);
    loc[0] = p.vehicleStart[vehicle]!;
    loc[n + 1] = p.vehicleEnd[vehicle]!;
    let w = 0;
    let vol = 0;
    const cl = p.clientLocation;
    for (let i = 0; i < n; i++) {
      const c = s[i]!;
      loc[i + 1] = cl[c]!;
      w += p.demandWeight[c]!;
      vol += p.demandVolume[c]!;
    }
    this.loc = loc;
    this.loadWeight = w;
    this.loadVolume = vol;
    const N = p.nLocations;
    const dm = p.distance;
    let dist = 0;
    for (let i = 0; i <= n; i++) dist += dm[loc[i]! * N + loc[i + 1]!]!;
    this.distance = dist;
    const ss = p.shiftStart[vehicle]!;
    const se = p.shiftEnd[vehicle]!;

    if (p.timeless) {
      this.seg = NO_SEGMENTS;
      this.duration = 0;
      this.timeWarp = 0;
      this.startTime = ss;
    } else {
      const tm = p.duration;
      const g = float64s(8 * (n + 2));
      let a = 0;
      let b = 0;
      if (base !== undefined && base.vehicle === vehicle && base.seg.length > 0) {
        // positions 0..a keep their forward segments, the last b+1 positions their backward ones
        const nb = base.seq.length;
        a = Math.min(prefix, n, nb);
        b = Math.min(suffix, n - a, nb - a);
        g.set(base.seg.subarray(0, 8 * (a + 1)), 0);
        g.set(base.seg.subarray(8 * (nb + 1 - b), 8 * (nb + 2)), 8 * (n + 1 - b));
      }
      g[0] = 0;
      g[1] = 0;
      g[2] = ss;
      g[3] = se;
      for (let i = a + 1; i <= n + 1; i++) {
        let sD = 0;
        let sE = ss;
        let sL = se;
        if (i <= n) {
          const c = s[i - 1]!;
          sD = p.serviceTime[c]!;
          sE = p.twEarly[c]!;
          sL = p.twLate[c]!;
        }
        const o = 8 * (i - 1);
        merge(g[o]!, g[o + 1]!, g[o + 2]!, g[o + 3]!, tm[loc[i - 1]! * N + loc[i]!]!, sD, 0, sE, sL);
        const q = 8 * i;
        g[q] = outD;
        g[q + 1] = outTW;
        g[q + 2] = outE;
        g[q + 3] = outL;
      }
      const last = 8 * (n + 1);
      g[last + 4] = 0;
      g[last + 5] = 0;
      g[last + 6] = ss;
      g[last + 7] = se;
      for (let i = n - b; i >= 0; i--) {
        let sD = 0;
        let sE = ss;
        let sL = se;
        if (i >= 1) {
          const c = s[i - 1]!;
          sD = p.serviceTime[c]!;
          sE = p.twEarly[c]!;
          sL = p.twLate[c]!;
        }
        const o = 8 * (i + 1) + 4;
        merge(sD, 0, sE, sL, tm[loc[i]! * N + loc[i + 1]!]!, g[o]!, g[o + 1]!, g[o + 2]!, g[o + 3]!);
        const q = 8 * i + 4;
        g[q] = outD;
        g[q + 1] = outTW;
        g[q + 2] = outE;
        g[q + 3] = outL;
      }
      this.seg = g;
      this.duration = g[last]!;
      this.timeWarp = g[last + 1]! + Math.max(0, g[last]! - p.maxDuration[vehicle]!);
      this.startTime = g[last + 2]!;
    }
    let moves = 0;
    if (p.movesCost) for (let i = 0; i < n; i++) moves += moveCost(p, s[i]!, vehicle);
    this.moves = moves;
    this.cost =
      n === 0
        ? 0
        : p.fixedCost[vehicle]! +
          p.costPerDistance[vehicle]! * dist +
          p.costPerTime[vehicle]! * this.duration +
          moves;
  }

  get size(): number {
    return this.seq.length;
  }
}

/**
 * Cost delta of inserting client `u` between positions `pos` and `pos+1` of route `r` (its move
 * penalty included when `r` is not its preferred vehicle), or
 * Infinity when the insertion violates time windows, shift or maximum duration. Capacity and
 * compatibility are the caller's business (they do not depend on the position). O(1).
 *
 * With a `bound`, a position that cannot beat it may be answered with any value ≥ bound: when the
 * vehicle has no time cost, the distance delta alone decides, and the time-window merges are
 * skipped for the many positions that are already too expensive.
 */
export function insertionDelta(
  p: Problem,
  r: RouteState,
  u: number,
  pos: number,
  bound = Number.POSITIVE_INFINITY,
): number {
  const N = p.nLocations;
  const a = r.loc[pos]!;
  const b = r.loc[pos + 1]!;
  const lu = p.clientLocation[u]!;
  const dm = p.distance;
  const v = r.vehicle;
  let delta = p.costPerDistance[v]! * (dm[a * N + lu]! + dm[lu * N + b]! - dm[a * N + b]!);
  if (r.seq.length === 0) delta += p.fixedCost[v]!;
  if (p.movesCost) delta += moveCost(p, u, v);
  if (p.timeless) return delta;
  const cpt = p.costPerTime[v]!;
  if (cpt === 0 && delta >= bound) return delta;
  const tm = p.duration;
  const g = r.seg;
  const o = 8 * pos;
  merge(
    g[o]!,
    g[o + 1]!,
    g[o + 2]!,
    g[o + 3]!,
    tm[a * N + lu]!,
    p.serviceTime[u]!,
    0,
    p.twEarly[u]!,
    p.twLate[u]!,
  );
  const q = 8 * (pos + 1) + 4;
  merge(outD, outTW, outE, outL, tm[lu * N + b]!, g[q]!, g[q + 1]!, g[q + 2]!, g[q + 3]!);
  if (outTW > 0 || outD > p.maxDuration[v]!) return Number.POSITIVE_INFINITY;
  return delta + cpt * (outD - r.duration);
}
