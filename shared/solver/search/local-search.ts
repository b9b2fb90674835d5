import type { RouteState } from '../evaluation/route';
import { merge, outD, outE, outL, outTW } from '../evaluation/segment';
import { compatible, moveCost, type Problem } from '../model/problem';
import type { Rng } from '../util/random';
import type { Solution } from './solution';

const EPS = 1e-6;

/**
 * Intensification by local search on granular neighbourhoods (Vidal et al. 2013 / HGS-CVRP):
 * for every routed client u and each of its `granularity` nearest neighbours v, the moves
 * relocate u after or before v, swap u and v, 2-opt* between the routes of u and v (the tails
 * after u and after v are exchanged) and, within one route, relocate and 2-opt (reversal). The
 * first improving move is applied; passes repeat until none improves (or `maxPasses`).
 *
 * Inter-route moves are evaluated in O(1): distance deltas from the arcs, capacity from the route
 * loads (and prefix loads for 2-opt*), time windows, shifts and maximum durations by concatenating
 * the routes' cached forward/backward time-window segments. 2-opt* is only tried between vehicles
 * of the same type (same depots, shift, costs and compatibility group), where the segments are
 * exact. Intra-route moves are filtered on their distance delta and checked by building the route.
 * Every applied move is checked on the rebuilt routes (cost strictly lower, time-feasible, within
 * capacity) and undone otherwise, so the solution's cost never increases and it stays feasible.
 *
 * Clients marked in `fixed` are never moved (not relocated or swapped, not in a moved tail or a
 * reversed segment): they keep their vehicle and their order. Unassigned clients stay unassigned.
 */
export class LocalSearch {
  granularity = 20;
  maxPasses = 1000;
  /** Number of applied moves in the last run. */
  moves = 0;
  private readonly prefW: Float64Array;
  private readonly prefV: Float64Array;
  private readonly symmetric: boolean;
  private readonly order: number[] = [];
  /** Stamp of the pass that last changed each vehicle's route. */
  private readonly dirty: Int32Array;
  private stampValue = 0;
  private stampNow = 0;
  /** The route each vehicle's prefix loads were computed for. */
  private readonly loadsOf: (RouteState | undefined)[];
  /** SWAP* after the granular moves converge (timeless problems only, Vidal 2022). */
  swapStar = true;
  /** Neighbours per client that make two routes a SWAP* pair. */
  swapStarGranularity = 20;
  /** Run stamp of the vehicles the current run touched. */
  private readonly touched: Int32Array;
  /** Stamp of the SWAP* sweep that last changed each vehicle. */
  private readonly swapped: Int32Array;
  private runValue = 0;
  private runNow = 0;
  private swapValue = 0;
  private swapNow = 0;
  private pairStamp = 0;
  private readonly pairList: number[] = [];
  private readonly offA: number[] = [];
  private readonly offB: number[] = [];
  // SWAP* caches, allocated on first use: the 3 best positions of each client in each route,
  // valid while the route (an immutable RouteState) is the one they were computed for
  private top3Cost: Float64Array | undefined;
  private top3Pos: Int32Array | undefined;
  private top3Stamp: Int32Array | undefined;
  private routeVersion: Int32Array | undefined;
  private cachedRoute: (RouteState | undefined)[] | undefined;
  /** The route each vehicle had when last swept without improvement. */
  private swept: (RouteState | undefined)[] | undefined;
  private pairMark: Int32Array | undefined;
  private removal: Float64Array | undefined;

  constructor(
    private readonly p: Problem,
    private readonly fixed?: Uint8Array,
  ) {
    this.prefW = new Float64Array(p.nClients);
    this.prefV = new Float64Array(p.nClients);
    this.dirty = new Int32Array(p.nVehicles);
    this.loadsOf = new Array(p.nVehicles).fill(undefined);
    this.touched = new Int32Array(p.nVehicles);
    this.swapped = new Int32Array(p.nVehicles);
    let sym = true;
    const N = p.nLocations;
    for (let i = 0; i < N && sym; i++) {
      for (let j = i + 1; j < N; j++) {
        if (
          p.distance[i * N + j] !== p.distance[j * N + i] ||
          p.duration[i * N + j] !== p.duration[j * N + i]
        ) {
          sym = false;
          break;
        }
      }
    }
    this.symmetric = sym;
  }

  /**
   * Improves `s` in place; returns the number of moves applied. With `focus`, the first pass only
   * tries moves of those clients (e.g. the ones a ruin and recreate just moved), and every further
   * pass the clients of the routes the previous pass changed; without it, every routed client.
   */
  run(s: Solution, rng: Rng, focus?: ArrayLike<number>): number {
    const p = this.p;
    const fixed = this.fixed;
    this.moves = 0;
    const order = this.order;
    order.length = 0;
    const run = ++this.runValue;
    this.runNow = run;
    const touched = this.touched;
    if (focus) {
      for (let k = 0; k < focus.length; k++) {
        const c = focus[k]!;
        const v = s.routeOf[c]!;
        if (v >= 0) touched[v] = run;
        if (v >= 0 && !fixed?.[c]) order.push(c);
      }
    } else {
      for (let c = 0; c < p.nClients; c++) if (s.routeOf[c]! >= 0 && !fixed?.[c]) order.push(c);
      touched.fill(run);
    }
    this.granular(s, rng, order, focus !== undefined);
    if (this.swapStar) this.polish(s, rng);
    return this.moves;
  }

  /**
   * SWAP* phase after `run` (also with `swapStar` off there, e.g. only for the candidates a search
   * accepts): SWAP* on the routes the last run touched, then the granular moves on the routes it
   * changed, until a SWAP* sweep finds nothing. Adds to `moves`; returns the moves it applied. Does
   * nothing unless the problem is timeless.
   */
  polish(s: Solution, rng: Rng): number {
    const p = this.p;
    if (!p.timeless || p.nVehicles < 2) return 0;
    const fixed = this.fixed;
    const before = this.moves;
    const order = this.order;
    for (let round = 0; round < this.maxPasses; round++) {
      if (!this.swapStarPhase(s)) break;
      order.length = 0;
      for (let v = 0; v < p.nVehicles; v++) {
        if (this.swapped[v] !== this.swapNow) continue;
        const r = s.routes[v]!;
        for (let i = 0; i < r.seq.length; i++) if (!fixed?.[r.seq[i]!]) order.push(r.seq[i]!);
      }
      this.granular(s, rng, order, true);
    }
    return this.moves - before;
  }

  /** Granular moves from the clients in `order` until a pass finds nothing. */
  private granular(s: Solution, rng: Rng, order: number[], focused: boolean): void {
    const p = this.p;
    const fixed = this.fixed;
    const G = Math.min(this.granularity, p.nNeighbours);
    const K = p.nNeighbours;
    const dirty = this.dirty;
    for (let pass = 0; order.length > 0 && pass < this.maxPasses; pass++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      const stamp = ++this.stampValue;
      this.stampNow = stamp;
      let improved = false;
      for (const u of order) {
        for (let k = 0; k < G; k++) {
          const w = p.neighbours[u * K + k]!;
          if (s.routeOf[w]! < 0) continue;
          if (this.tryMoves(s, u, w)) improved = true;
        }
      }
      if (!improved) break;
      if (focused) {
        // next pass: the clients of the routes this pass changed
        order.length = 0;
        for (let v = 0; v < p.nVehicles; v++) {
          if (dirty[v] !== stamp) continue;
          const r = s.routes[v]!;
          for (let i = 0; i < r.seq.length; i++) if (!fixed?.[r.seq[i]!]) order.push(r.seq[i]!);
        }
      }
    }
  }

  /**
   * One SWAP* sweep (Vidal 2022) over the routes touched in this run and not yet swept since their
   * last change: each is paired with the routes holding a granular neighbour of one of its clients
   * (in place of HGS's polar sectors, which need coordinates), and the best SWAP* or best-position
   * relocation of the pair is applied. Only for timeless problems (capacity and distance only),
   * where the three-best-positions argument is exact. Returns whether some move was applied; the
   * changed vehicles are stamped in `swapped`.
   */
  private swapStarPhase(s: Solution): boolean {
    const p = this.p;
    const nV = p.nVehicles;
    this.allocSwapStar();
    const run = this.runNow;
    const swept = this.swept!;
    const touched = this.touched;
    const mark = this.pairMark!;
    const list = this.pairList;
    const swapNow = ++this.swapValue;
    this.swapNow = swapNow;
    const G = Math.min(this.swapStarGranularity, p.nNeighbours);
    const K = p.nNeighbours;
    let any = false;
    for (let A = 0; A < nV; A++) {
      if (touched[A] !== run) continue;
      const ra = s.routes[A]!;
      if (ra.seq.length === 0 || swept[A] === ra) continue;
      // routes adjacent to A
      const st = ++this.pairStamp;
      list.length = 0;
      for (let i = 0; i < ra.seq.length; i++) {
        const c = ra.seq[i]!;
        for (let k = 0; k < G; k++) {
          const B = s.routeOf[p.neighbours[c * K + k]!]!;
          if (B < 0 || B === A || mark[B] === st) continue;
          mark[B] = st;
          list.push(B);
        }
      }
      list.sort((x, y) => x - y);
      for (const B of list) {
        if (s.routes[A]!.seq.length === 0) break;
        if (s.routes[B]!.seq.length === 0) continue;
        if (this.swapStarPair(s, A, B)) {
          any = true;
          touched[A] = run;
          touched[B] = run;
          this.swapped[A] = swapNow;
          this.swapped[B] = swapNow;
        }
      }
      swept[A] = s.routes[A]!;
    }
    return any;
  }

  private allocSwapStar(): void {
    if (this.top3Cost) return;
    const p = this.p;
    const m = p.nVehicles * p.nClients;
    this.top3Cost = new Float64Array(3 * m);
    this.top3Pos = new Int32Array(3 * m);
    this.top3Stamp = new Int32Array(m);
    this.routeVersion = new Int32Array(p.nVehicles);
    this.cachedRoute = new Array(p.nVehicles).fill(undefined);
    this.swept = new Array(p.nVehicles).fill(undefined);
    this.pairMark = new Int32Array(p.nVehicles);
    this.removal = new Float64Array(p.nClients);
  }

  /** Version of the top-3 cache of vehicle B's current route (bumped when the route changed). */
  private version(s: Solution, B: number): number {
    const r = s.routes[B]!;
    if (this.cachedRoute![B] !== r) {
      this.cachedRoute![B] = r;
      this.routeVersion![B]!++;
    }
    return this.routeVersion![B]!;
  }

  /** The three cheapest insertion positions (distance delta) of client u into route r of vehicle B. */
  private top3(r: RouteState, B: number, u: number, version: number): number {
    const p = this.p;
    const idx = B * p.nClients + u;
    const o = 3 * idx;
    const cost = this.top3Cost!;
    const pos = this.top3Pos!;
    if (this.top3Stamp![idx] === version) return o;
    this.top3Stamp![idx] = version;
    const N = p.nLocations;
    const dm = p.distance;
    const l = r.loc;
    const lu = p.clientLocation[u]!;
    let c0 = Number.POSITIVE_INFINITY;
    let c1 = c0;
    let c2 = c0;
    let p0 = -1;
    let p1 = -1;
    let p2 = -1;
    const n = r.seq.length;
    for (let j = 0; j <= n; j++) {
      const a = l[j]!;
      const b = l[j + 1]!;
      const d = dm[a * N + lu]! + dm[lu * N + b]! - dm[a * N + b]!;
      if (d >= c2) continue;
      if (d < c1) {
        c2 = c1;
        p2 = p1;
        if (d < c0) {
          c1 = c0;
          p1 = p0;
          c0 = d;
          p0 = j;
        } else {
          c1 = d;
          p1 = j;
        }
      } else {
        c2 = d;
        p2 = j;
      }
    }
    cost[o] = c0;
    cost[o + 1] = c1;
    cost[o + 2] = c2;
    pos[o] = p0;
    pos[o + 1] = p1;
    pos[o + 2] = p2;
    return o;
  }

  /** Distance removal deltas of the clients of route r. */
  private removals(r: RouteState): void {
    const p = this.p;
    const N = p.nLocations;
    const dm = p.distance;
    const l = r.loc;
    const rem = this.removal!;
    for (let i = 1; i <= r.seq.length; i++) {
      const a = l[i - 1]!;
      const c = l[i]!;
      const b = l[i + 1]!;
      rem[r.seq[i - 1]!] = dm[a * N + b]! - dm[a * N + c]! - dm[c * N + b]!;
    }
  }

  /**
   * SWAP* between routes A and B: u ∈ A and v ∈ B exchanged, each inserted at its best position in
   * the other route (maybe the other's place), from the three best insertion positions of each
   * client in the other route; also the best-position relocation of one client. Applies the best
   * improving move found.
   */
  private swapStarPair(s: Solution, A: number, B: number): boolean {
    const p = this.p;
    const fixed = this.fixed;
    const ra = s.routes[A]!;
    const rb = s.routes[B]!;
    const verA = this.version(s, A);
    const verB = this.version(s, B);
    this.removals(ra);
    this.removals(rb);
    const rem = this.removal!;
    const tc = this.top3Cost!;
    const tp = this.top3Pos!;
    const N = p.nLocations;
    const dm = p.distance;
    const cpdA = p.costPerDistance[A]!;
    const cpdB = p.costPerDistance[B]!;
    const capWA = p.capacityWeight[A]!;
    const capVA = p.capacityVolume[A]!;
    const capWB = p.capacityWeight[B]!;
    const capVB = p.capacityVolume[B]!;
    const nA = ra.seq.length;
    const nB = rb.seq.length;
    const la = ra.loc;
    const lb = rb.loc;
    const mc = p.movesCost;
    // the best move: kind 0 none, 1 swap, 2 relocate u∈A→B, 3 relocate v∈B→A
    let best = -EPS;
    let kind = 0;
    let bu = -1;
    let bv = -1;
    let bjU = -1; // position of u in B (original B indices), -2 = v's place
    let bjV = -1; // position of v in A (original A indices), -2 = u's place
    // top-3 offsets of the eligible clients (−1 = not movable to the other route)
    const offA = this.offA;
    const offB = this.offB;
    offA.length = 0;
    offB.length = 0;
    for (let i = 0; i < nA; i++) {
      const u = ra.seq[i]!;
      offA.push(!fixed?.[u] && compatible(p, u, B) ? this.top3(rb, B, u, verB) : -1);
    }
    for (let i = 0; i < nB; i++) {
      const v = rb.seq[i]!;
      offB.push(!fixed?.[v] && compatible(p, v, A) ? this.top3(ra, A, v, verA) : -1);
    }
    for (let i = 0; i < nA; i++) {
      const oU = offA[i]!;
      if (oU < 0) continue;
      const u = ra.seq[i]!;
      const pu = i + 1;
      const wu = p.demandWeight[u]!;
      const vu = p.demandVolume[u]!;
      const remU = rem[u]!;
      const luPrev = la[pu - 1]!;
      const luNext = la[pu + 1]!;
      const lu = la[pu]!;
      const mcU = mc ? moveCost(p, u, B) - moveCost(p, u, A) : 0;
      // relocate u → B
      if (rb.loadWeight + wu <= capWB && rb.loadVolume + vu <= capVB) {
        const dA = nA === 1 ? -ra.cost : cpdA * remU - (mc ? moveCost(p, u, A) : 0);
        const d = dA + cpdB * tc[oU]! + (mc ? moveCost(p, u, B) : 0);
        if (d < best) {
          best = d;
          kind = 2;
          bu = u;
          bjU = tp[oU]!;
        }
      }
      for (let k = 0; k < nB; k++) {
        const oV = offB[k]!;
        if (oV < 0) continue;
        const v = rb.seq[k]!;
        const wv = p.demandWeight[v]!;
        const vv = p.demandVolume[v]!;
        if (ra.loadWeight - wu + wv > capWA || ra.loadVolume - vu + vv > capVA) continue;
        if (rb.loadWeight - wv + wu > capWB || rb.loadVolume - vv + vu > capVB) continue;
        const pv = k + 1;
        const lvPrev = lb[pv - 1]!;
        const lvNext = lb[pv + 1]!;
        const lv = lb[pv]!;
        // v into A without u: u's place, or the best of its 3 positions not next to u
        let insV = dm[luPrev * N + lv]! + dm[lv * N + luNext]! - dm[luPrev * N + luNext]!;
        let jV = -2;
        for (let t = 0; t < 3; t++) {
          const j = tp[oV + t]!;
          if (j === pu - 1 || j === pu) continue;
          if (j >= 0 && tc[oV + t]! < insV) {
            insV = tc[oV + t]!;
            jV = j;
          }
          break;
        }
        let insU = dm[lvPrev * N + lu]! + dm[lu * N + lvNext]! - dm[lvPrev * N + lvNext]!;
        let jU = -2;
        for (let t = 0; t < 3; t++) {
          const j = tp[oU + t]!;
          if (j === pv - 1 || j === pv) continue;
          if (j >= 0 && tc[oU + t]! < insU) {
            insU = tc[oU + t]!;
            jU = j;
          }
          break;
        }
        let d = cpdA * (remU + insV) + cpdB * (rem[v]! + insU);
        if (mc) d += mcU + moveCost(p, v, A) - moveCost(p, v, B);
        if (d < best) {
          best = d;
          kind = 1;
          bu = u;
          bv = v;
          bjU = jU;
          bjV = jV;
        }
      }
    }
    // relocate v → A
    for (let k = 0; k < nB; k++) {
      const oV = offB[k]!;
      if (oV < 0) continue;
      const v = rb.seq[k]!;
      if (ra.loadWeight + p.demandWeight[v]! > capWA || ra.loadVolume + p.demandVolume[v]! > capVA) continue;
      const dB = nB === 1 ? -rb.cost : cpdB * rem[v]! - (mc ? moveCost(p, v, B) : 0);
      const d = dB + cpdA * tc[oV]! + (mc ? moveCost(p, v, A) : 0);
      if (d < best) {
        best = d;
        kind = 3;
        bv = v;
        bjV = tp[oV]!;
      }
    }
    if (kind === 0) return false;
    let seqA: Int32Array;
    let seqB: Int32Array;
    if (kind === 1) {
      seqA = exchanged(ra.seq, s.posOf[bu]!, bjV, bv);
      seqB = exchanged(rb.seq, s.posOf[bv]!, bjU, bu);
    } else if (kind === 2) {
      seqA = without(ra.seq, s.posOf[bu]! - 1);
      seqB = inserted(rb.seq, bjU, bu);
    } else {
      seqB = without(rb.seq, s.posOf[bv]! - 1);
      seqA = inserted(ra.seq, bjV, bv);
    }
    return this.apply(s, A, seqA, B, seqB);
  }

  /** Prefix loads of vehicle v's current route (computed when first needed). */
  private ensureLoads(s: Solution, v: number): void {
    const r = s.routes[v]!;
    if (this.loadsOf[v] !== r) {
      this.loads(r);
      this.loadsOf[v] = r;
    }
  }

  private loads(r: RouteState): void {
    const p = this.p;
    let w = 0;
    let vol = 0;
    for (let i = 0; i < r.seq.length; i++) {
      const c = r.seq[i]!;
      w += p.demandWeight[c]!;
      vol += p.demandVolume[c]!;
      this.prefW[c] = w;
      this.prefV[c] = vol;
    }
  }

  private tryMoves(s: Solution, u: number, w: number): boolean {
    const A = s.routeOf[u]!;
    const B = s.routeOf[w]!;
    if (A === B) return this.intra(s, u, w);
    const wFixed = this.fixed?.[w] === 1;
    const j = s.posOf[w]!;
    if (this.relocate(s, u, B, j)) return true;
    if (this.relocate(s, u, B, j - 1)) return true;
    if (!wFixed && this.swap(s, u, w)) return true;
    if (this.twoOptStar(s, u, w)) return true;
    return false;
  }

  /**
   * Time-window segment of a route's prefix (its forward segment at `o`), then client c (reached
   * after `inT`), then the route's suffix (its backward segment at `q`, reached after `outT`):
   * the result is in outD / outTW / outE / outL.
   */
  private through(seg: Float64Array, o: number, inT: number, c: number, outT: number, q: number): void {
    const p = this.p;
    merge(
      seg[o]!,
      seg[o + 1]!,
      seg[o + 2]!,
      seg[o + 3]!,
      inT,
      p.serviceTime[c]!,
      0,
      p.twEarly[c]!,
      p.twLate[c]!,
    );
    merge(outD, outTW, outE, outL, outT, seg[q]!, seg[q + 1]!, seg[q + 2]!, seg[q + 3]!);
  }

  /** Cost of vehicle v's route with the given distance, duration, moves and client count. */
  private routeCost(v: number, n: number, dist: number, dur: number, moves: number): number {
    const p = this.p;
    if (n === 0) return 0;
    return p.fixedCost[v]! + p.costPerDistance[v]! * dist + p.costPerTime[v]! * dur + moves;
  }

  /** u (in its route A) moved between positions j and j+1 of route B ≠ A. */
  private relocate(s: Solution, u: number, B: number, j: number): boolean {
    const p = this.p;
    const A = s.routeOf[u]!;
    if (!compatible(p, u, B)) return false;
    const ra = s.routes[A]!;
    const rb = s.routes[B]!;
    const wu = p.demandWeight[u]!;
    const vu = p.demandVolume[u]!;
    if (rb.loadWeight + wu > p.capacityWeight[B]! || rb.loadVolume + vu > p.capacityVolume[B]!) return false;
    const i = s.posOf[u]!;
    const N = p.nLocations;
    const dm = p.distance;
    const la = ra.loc;
    const lb = rb.loc;
    const lu = la[i]!;
    const a0 = la[i - 1]!;
    const a1 = la[i + 1]!;
    const b0 = lb[j]!;
    const b1 = lb[j + 1]!;
    const dA = dm[a0 * N + a1]! - dm[a0 * N + lu]! - dm[lu * N + a1]!;
    const dB = dm[b0 * N + lu]! + dm[lu * N + b1]! - dm[b0 * N + b1]!;
    const nA = ra.seq.length - 1;
    const mc = p.movesCost ? moveCost(p, u, A) : 0;
    const mcB = p.movesCost ? moveCost(p, u, B) : 0;
    const cptA = p.costPerTime[A]!;
    const cptB = p.costPerTime[B]!;
    // distance-only lower bound when time is free
    let delta =
      this.routeCost(A, nA, ra.distance + dA, ra.duration, ra.moves - mc) -
      ra.cost +
      this.routeCost(B, rb.seq.length + 1, rb.distance + dB, rb.duration, rb.moves + mcB) -
      rb.cost;
    if (cptA === 0 && cptB === 0 && delta > -EPS) return false;
    if (!p.timeless) {
      const tm = p.duration;
      let durA = 0;
      if (nA > 0) {
        const g = ra.seg;
        const o = 8 * (i - 1);
        const q = 8 * (i + 1) + 4;
        merge(
          g[o]!,
          g[o + 1]!,
          g[o + 2]!,
          g[o + 3]!,
          tm[a0 * N + a1]!,
          g[q]!,
          g[q + 1]!,
          g[q + 2]!,
          g[q + 3]!,
        );
        if (outTW > 0 || outD > p.maxDuration[A]!) return false;
        durA = outD;
      }
      this.through(rb.seg, 8 * j, tm[b0 * N + lu]!, u, tm[lu * N + b1]!, 8 * (j + 1) + 4);
      if (outTW > 0 || outD > p.maxDuration[B]!) return false;
      // an emptied route costs 0, already in routeCost
      if (nA > 0) delta += cptA * (durA - ra.duration);
      delta += cptB * (outD - rb.duration);
      if (delta > -EPS) return false;
    }
    const seqA = without(ra.seq, i - 1);
    const seqB = inserted(rb.seq, j, u);
    return this.apply(s, A, seqA, B, seqB);
  }

  /** u (route A) and w (route B ≠ A) exchange their places. */
  private swap(s: Solution, u: number, w: number): boolean {
    const p = this.p;
    const A = s.routeOf[u]!;
    const B = s.routeOf[w]!;
    if (!compatible(p, u, B) || !compatible(p, w, A)) return false;
    const ra = s.routes[A]!;
    const rb = s.routes[B]!;
    const dw = p.demandWeight[w]! - p.demandWeight[u]!;
    const dv = p.demandVolume[w]! - p.demandVolume[u]!;
    if (ra.loadWeight + dw > p.capacityWeight[A]! || ra.loadVolume + dv > p.capacityVolume[A]!) return false;
    if (rb.loadWeight - dw > p.capacityWeight[B]! || rb.loadVolume - dv > p.capacityVolume[B]!) return false;
    const i = s.posOf[u]!;
    const j = s.posOf[w]!;
    const N = p.nLocations;
    const dm = p.distance;
    const la = ra.loc;
    const lb = rb.loc;
    const lu = la[i]!;
    const lw = lb[j]!;
    const a0 = la[i - 1]!;
    const a1 = la[i + 1]!;
    const b0 = lb[j - 1]!;
    const b1 = lb[j + 1]!;
    const dA = dm[a0 * N + lw]! + dm[lw * N + a1]! - dm[a0 * N + lu]! - dm[lu * N + a1]!;
    const dB = dm[b0 * N + lu]! + dm[lu * N + b1]! - dm[b0 * N + lw]! - dm[lw * N + b1]!;
    let mA = ra.moves;
    let mB = rb.moves;
    if (p.movesCost) {
      mA += moveCost(p, w, A) - moveCost(p, u, A);
      mB += moveCost(p, u, B) - moveCost(p, w, B);
    }
    let delta =
      this.routeCost(A, ra.seq.length, ra.distance + dA, ra.duration, mA) -
      ra.cost +
      this.routeCost(B, rb.seq.length, rb.distance + dB, rb.duration, mB) -
      rb.cost;
    const cptA = p.costPerTime[A]!;
    const cptB = p.costPerTime[B]!;
    if (cptA === 0 && cptB === 0 && delta > -EPS) return false;
    if (!p.timeless) {
      const tm = p.duration;
      this.through(ra.seg, 8 * (i - 1), tm[a0 * N + lw]!, w, tm[lw * N + a1]!, 8 * (i + 1) + 4);
      if (outTW > 0 || outD > p.maxDuration[A]!) return false;
      const durA = outD;
      this.through(rb.seg, 8 * (j - 1), tm[b0 * N + lu]!, u, tm[lu * N + b1]!, 8 * (j + 1) + 4);
      if (outTW > 0 || outD > p.maxDuration[B]!) return false;
      delta += cptA * (durA - ra.duration) + cptB * (outD - rb.duration);
      if (delta > -EPS) return false;
    }
    const seqA = Int32Array.from(ra.seq);
    seqA[i - 1] = w;
    const seqB = Int32Array.from(rb.seq);
    seqB[j - 1] = u;
    return this.apply(s, A, seqA, B, seqB);
  }

  /** Routes A ∋ u and B ∋ w (same vehicle type) exchange their tails after u and after w. */
  private twoOptStar(s: Solution, u: number, w: number): boolean {
    const p = this.p;
    const A = s.routeOf[u]!;
    const B = s.routeOf[w]!;
    if (p.vehicleType[A] !== p.vehicleType[B]) return false;
    const ra = s.routes[A]!;
    const rb = s.routes[B]!;
    const i = s.posOf[u]!;
    const j = s.posOf[w]!;
    const nA = ra.seq.length;
    const nB = rb.seq.length;
    const fixed = this.fixed;
    this.ensureLoads(s, A);
    this.ensureLoads(s, B);
    // new A: A[1..i] + B[j+1..nB]; new B: B[1..j] + A[i+1..nA]
    const wA = this.prefW[u]! + (rb.loadWeight - this.prefW[w]!);
    const wB = this.prefW[w]! + (ra.loadWeight - this.prefW[u]!);
    if (wA > p.capacityWeight[A]! || wB > p.capacityWeight[B]!) return false;
    const vA = this.prefV[u]! + (rb.loadVolume - this.prefV[w]!);
    const vB = this.prefV[w]! + (ra.loadVolume - this.prefV[u]!);
    if (vA > p.capacityVolume[A]! || vB > p.capacityVolume[B]!) return false;
    const N = p.nLocations;
    const dm = p.distance;
    const la = ra.loc;
    const lb = rb.loc;
    const a0 = la[i]!;
    const a1 = la[i + 1]!;
    const b0 = lb[j]!;
    const b1 = lb[j + 1]!;
    const dd = dm[a0 * N + b1]! + dm[b0 * N + a1]! - dm[a0 * N + a1]! - dm[b0 * N + b1]!;
    const cpd = p.costPerDistance[A]!;
    let delta = cpd * dd;
    const cpt = p.costPerTime[A]!;
    if (cpt === 0 && !p.movesCost && delta > -EPS) return false;
    if (fixed) {
      for (let x = i; x < nA; x++) if (fixed[ra.seq[x]!]) return false;
      for (let x = j; x < nB; x++) if (fixed[rb.seq[x]!]) return false;
    }
    if (p.movesCost) {
      for (let x = i; x < nA; x++) {
        const c = ra.seq[x]!;
        delta += moveCost(p, c, B) - moveCost(p, c, A);
      }
      for (let x = j; x < nB; x++) {
        const c = rb.seq[x]!;
        delta += moveCost(p, c, A) - moveCost(p, c, B);
      }
      if (cpt === 0 && delta > -EPS) return false;
    }
    if (!p.timeless) {
      const tm = p.duration;
      const g = ra.seg;
      const h = rb.seg;
      let o = 8 * i;
      let q = 8 * (j + 1) + 4;
      merge(g[o]!, g[o + 1]!, g[o + 2]!, g[o + 3]!, tm[a0 * N + b1]!, h[q]!, h[q + 1]!, h[q + 2]!, h[q + 3]!);
      if (outTW > 0 || outD > p.maxDuration[A]!) return false;
      const durA = outD;
      o = 8 * j;
      q = 8 * (i + 1) + 4;
      merge(h[o]!, h[o + 1]!, h[o + 2]!, h[o + 3]!, tm[b0 * N + a1]!, g[q]!, g[q + 1]!, g[q + 2]!, g[q + 3]!);
      if (outTW > 0 || outD > p.maxDuration[B]!) return false;
      delta += cpt * (durA + outD - ra.duration - rb.duration);
      if (delta > -EPS) return false;
    }
    const seqA = new Int32Array(i + nB - j);
    seqA.set(ra.seq.subarray(0, i), 0);
    seqA.set(rb.seq.subarray(j), i);
    const seqB = new Int32Array(j + nA - i);
    seqB.set(rb.seq.subarray(0, j), 0);
    seqB.set(ra.seq.subarray(i), j);
    return this.apply(s, A, seqA, B, seqB);
  }

  /** Moves within one route: relocate u after/before w, 2-opt making u and w adjacent. */
  private intra(s: Solution, u: number, w: number): boolean {
    const p = this.p;
    const A = s.routeOf[u]!;
    const r = s.routes[A]!;
    const n = r.seq.length;
    const i = s.posOf[u]!;
    const j0 = s.posOf[w]!;
    const N = p.nLocations;
    const dm = p.distance;
    const l = r.loc;
    const lu = l[i]!;
    const removal = dm[l[i - 1]! * N + l[i + 1]!]! - dm[l[i - 1]! * N + lu]! - dm[lu * N + l[i + 1]!]!;
    // relocate u between positions j and j+1 (j = w's position or the one before it)
    for (let t = 0; t < 2; t++) {
      const j = t === 0 ? j0 : j0 - 1;
      if (j === i || j === i - 1) continue;
      const d = removal + dm[l[j]! * N + lu]! + dm[lu * N + l[j + 1]!]! - dm[l[j]! * N + l[j + 1]!]!;
      if (p.costPerDistance[A]! * d > -EPS) continue;
      const seq = new Int32Array(n);
      let k = 0;
      if (j === 0) seq[k++] = u;
      for (let x = 1; x <= n; x++) {
        if (x !== i) seq[k++] = r.seq[x - 1]!;
        if (x === j) seq[k++] = u;
      }
      if (this.apply(s, A, seq, -1, undefined)) return true;
    }
    // 2-opt: reverse positions a+1..b so that the arcs (a, b) and (a+1, b+1) appear
    {
      const a = Math.min(i, j0);
      const b = Math.max(i, j0);
      if (b - a >= 2) {
        const la = l[a]!;
        const la1 = l[a + 1]!;
        const lb = l[b]!;
        const lb1 = l[b + 1]!;
        let d = dm[la * N + lb]! + dm[la1 * N + lb1]! - dm[la * N + la1]! - dm[lb * N + lb1]!;
        if (!this.symmetric) {
          for (let x = a + 1; x < b; x++) d += dm[l[x + 1]! * N + l[x]!]! - dm[l[x]! * N + l[x + 1]!]!;
        }
        if (p.costPerDistance[A]! * d < -EPS) {
          let ok = true;
          if (this.fixed) {
            let cnt = 0;
            for (let x = a + 1; x <= b; x++) if (this.fixed[r.seq[x - 1]!]) cnt++;
            ok = cnt <= 1;
          }
          if (ok) {
            const seq = Int32Array.from(r.seq);
            for (let x = a + 1, y = b; x < y; x++, y--) {
              const tmp = seq[x - 1]!;
              seq[x - 1] = seq[y - 1]!;
              seq[y - 1] = tmp;
            }
            if (this.apply(s, A, seq, -1, undefined)) return true;
          }
        }
      }
    }
    return false;
  }

  /** Replaces the routes of A (and B ≥ 0); keeps the change only if feasible and cheaper. */
  private apply(s: Solution, A: number, seqA: Int32Array, B: number, seqB: Int32Array | undefined): boolean {
    const p = this.p;
    const oldA = s.routes[A]!;
    const oldB = B >= 0 ? s.routes[B]! : undefined;
    const before = oldA.cost + (oldB ? oldB.cost : 0);
    s.setRoute(A, seqA);
    if (oldB && seqB) s.setRoute(B, seqB);
    const ra = s.routes[A]!;
    const rb = B >= 0 ? s.routes[B]! : undefined;
    const after = ra.cost + (rb ? rb.cost : 0);
    const feasible =
      ra.timeWarp === 0 &&
      ra.loadWeight <= p.capacityWeight[A]! &&
      ra.loadVolume <= p.capacityVolume[A]! &&
      (rb === undefined ||
        (rb.timeWarp === 0 &&
          rb.loadWeight <= p.capacityWeight[B]! &&
          rb.loadVolume <= p.capacityVolume[B]!));
    if (!feasible || after > before - EPS) {
      restore(s, oldA);
      if (oldB) restore(s, oldB);
      return false;
    }
    this.dirty[A] = this.stampNow;
    this.touched[A] = this.runNow;
    if (B >= 0) {
      this.dirty[B] = this.stampNow;
      this.touched[B] = this.runNow;
    }
    this.moves++;
    return true;
  }
}

function without(seq: Int32Array, idx: number): Int32Array {
  const out = new Int32Array(seq.length - 1);
  out.set(seq.subarray(0, idx), 0);
  out.set(seq.subarray(idx + 1), idx);
  return out;
}

function inserted(seq: Int32Array, pos: number, u: number): Int32Array {
  const out = new Int32Array(seq.length + 1);
  out.set(seq.subarray(0, pos), 0);
  out[pos] = u;
  out.set(seq.subarray(pos), pos + 1);
  return out;
}

/**
 * seq with the client at 1-based position `at` removed and x inserted after original position j
 * (0 = at the start; never `at` − 1 or `at`), or put in its place when j = −2.
 */
function exchanged(seq: Int32Array, at: number, j: number, x: number): Int32Array {
  const out = Int32Array.from(seq);
  if (j === -2) {
    out[at - 1] = x;
    return out;
  }
  let k = 0;
  if (j === 0) out[k++] = x;
  for (let t = 1; t <= seq.length; t++) {
    if (t !== at) out[k++] = seq[t - 1]!;
    if (t === j) out[k++] = x;
  }
  return out;
}

/** Puts a previous route back (routes are immutable, so the old one is still valid). */
function restore(s: Solution, r: RouteState): void {
  s.routes[r.vehicle] = r;
  for (let i = 0; i < r.seq.length; i++) {
    const c = r.seq[i]!;
    s.routeOf[c] = r.vehicle;
    s.posOf[c] = i + 1;
  }
}
