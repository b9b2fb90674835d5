import { RouteState } from '../evaluation/route';
import { int32s } from '../evaluation/slab';
import type { Problem } from '../model/problem';

/** A complete assignment: one (possibly empty) route per vehicle, plus the unassigned clients. */
export class Solution {
  readonly routes: RouteState[];
  /** Vehicle serving each client, -1 when unassigned. */
  readonly routeOf: Int32Array;
  /** 1-based position of each client in its route. */
  readonly posOf: Int32Array;

  constructor(
    readonly problem: Problem,
    routes?: RouteState[],
    routeOf?: Int32Array,
    posOf?: Int32Array,
  ) {
    if (routes && routeOf && posOf) {
      this.routes = routes;
      this.routeOf = routeOf;
      this.posOf = posOf;
    } else {
      this.routes = [];
      for (let v = 0; v < problem.nVehicles; v++) this.routes.push(new RouteState(problem, v, []));
      this.routeOf = new Int32Array(problem.nClients).fill(-1);
      this.posOf = new Int32Array(problem.nClients);
    }
  }

  static fromRoutes(problem: Problem, routes: ArrayLike<number>[]): Solution {
    const s = new Solution(problem);
    for (let v = 0; v < routes.length && v < problem.nVehicles; v++) s.setRoute(v, routes[v]!);
    return s;
  }

  clone(): Solution {
    const routeOf = int32s(this.routeOf.length);
    routeOf.set(this.routeOf);
    const posOf = int32s(this.posOf.length);
    posOf.set(this.posOf);
    return new Solution(this.problem, this.routes.slice(), routeOf, posOf);
  }

  /**
   * Replaces vehicle v's sequence; clients removed from it must be re-marked by the caller. The
   * segments of the clients the new sequence shares at its start and end with the old one are
   * reused (see RouteState).
   */
  setRoute(v: number, seq: ArrayLike<number>): void {
    const old = this.routes[v];
    let a = 0;
    let b = 0;
    if (old !== undefined) {
      const o = old.seq;
      const m = Math.min(o.length, seq.length);
      while (a < m && o[a] === seq[a]) a++;
      while (b < m - a && o[o.length - 1 - b] === seq[seq.length - 1 - b]) b++;
    }
    const r = new RouteState(this.problem, v, seq, old, a, b);
    this.routes[v] = r;
    for (let i = a; i < r.seq.length; i++) {
      const c = r.seq[i]!;
      this.routeOf[c] = v;
      this.posOf[c] = i + 1;
    }
  }

  /** Inserts client u into vehicle v's route between positions pos and pos+1 (0 = start depot). */
  insertAt(v: number, pos: number, u: number): void {
    const r = this.routes[v]!;
    const seq = int32s(r.seq.length + 1);
    seq.set(r.seq.subarray(0, pos), 0);
    seq[pos] = u;
    seq.set(r.seq.subarray(pos), pos + 1);
    this.setRoute(v, seq);
  }

  /** Total objective: route costs + penalties of unassigned clients. */
  cost(): number {
    let c = 0;
    for (const r of this.routes) c += r.cost;
    const p = this.problem;
    for (let i = 0; i < p.nClients; i++) if (this.routeOf[i]! < 0) c += p.unassignedPenalty[i]!;
    return c;
  }

  unassigned(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.problem.nClients; i++) if (this.routeOf[i]! < 0) out.push(i);
    return out;
  }

  vehiclesUsed(): number {
    let k = 0;
    for (const r of this.routes) if (r.seq.length > 0) k++;
    return k;
  }

  /** Plain copy of the routes (client indices per vehicle). */
  toRoutes(): number[][] {
    return this.routes.map((r) => Array.from(r.seq));
  }
}
