import { insertionDelta, type RouteState } from '../evaluation/route';
import { compatible, type Problem } from '../model/problem';
import type { Rng } from '../util/random';
import type { Solution } from './solution';

/**
 * Greedy insertion with blinks (Christiaens & Vanden Berghe 2020). Each client goes to its
 * cheapest feasible position among a granular set of positions: before and after each of its
 * `granularity` nearest neighbours and next to the depots of the routes holding them, plus one
 * empty vehicle per type; every position of every route only when none of those is feasible.
 * Feasibility and cost of every position are O(1) through segment concatenation, and the number
 * of positions tried per client is bounded by the granularity, not by the route lengths
 * (ADR 0010).
 */
export class Recreate {
  private readonly stamp: Int32Array;
  private readonly usable: Uint8Array;
  private stampValue = 0;
  /** Granular neighbourhood size: the nearest neighbours next to which a client may be inserted. */
  granularity = 40;
  blinkRate = 0.01;
  private bestDelta = Number.POSITIVE_INFINITY;
  private bestV = -1;
  private bestPos = -1;

  constructor(private readonly p: Problem) {
    this.stamp = new Int32Array(p.nVehicles);
    this.usable = new Uint8Array(p.nVehicles);
  }

  /** Inserts `clients` (in the given order) into `s`; returns those left unassigned. */
  run(s: Solution, clients: ArrayLike<number>, rng: Rng): number[] {
    const p = this.p;
    const left: number[] = [];
    // first empty vehicle of each type
    const emptyOfType = new Int32Array(p.nVehicleTypes).fill(-1);
    for (let v = p.nVehicles - 1; v >= 0; v--) {
      if (s.routes[v]!.seq.length === 0) emptyOfType[p.vehicleType[v]!] = v;
    }
    const G = Math.min(this.granularity, p.nNeighbours);
    for (let k = 0; k < clients.length; k++) {
      const u = clients[k]!;
      const wu = p.demandWeight[u]!;
      const vu = p.demandVolume[u]!;
      this.bestDelta = Number.POSITIVE_INFINITY;
      this.bestV = -1;
      this.bestPos = -1;
      const st = ++this.stampValue;
      const base = u * p.nNeighbours;
      for (let j = 0; j < G; j++) {
        const w = p.neighbours[base + j]!;
        const v = s.routeOf[w]!;
        if (v < 0) continue;
        const r = s.routes[v]!;
        if (this.stamp[v] !== st) {
          this.stamp[v] = st;
          const ok = compatible(p, u, v) && fits(p, r, v, wu, vu);
          this.usable[v] = ok ? 1 : 0;
          if (!ok) continue;
          this.tryPosition(r, u, 0, rng);
          this.tryPosition(r, u, r.seq.length, rng);
        } else if (this.usable[v] === 0) continue;
        const pw = s.posOf[w]!;
        if (pw > 1) this.tryPosition(r, u, pw - 1, rng);
        if (pw < r.seq.length) this.tryPosition(r, u, pw, rng);
      }
      for (let t = 0; t < p.nVehicleTypes; t++) {
        const v = emptyOfType[t]!;
        if (v >= 0 && compatible(p, u, v) && fits(p, s.routes[v]!, v, wu, vu)) {
          this.tryPosition(s.routes[v]!, u, 0, undefined);
        }
      }
      if (this.bestV < 0) {
        // granular miss: every position of every route
        for (let v = 0; v < p.nVehicles; v++) {
          const r = s.routes[v]!;
          if (r.seq.length === 0 || !compatible(p, u, v) || !fits(p, r, v, wu, vu)) continue;
          for (let pos = 0; pos <= r.seq.length; pos++) this.tryPosition(r, u, pos, undefined);
        }
      }
      const bestV = this.bestV;
      const bestPos = this.bestPos;
      if (bestV < 0 || (!p.required[u] && this.bestDelta >= p.unassignedPenalty[u]!)) {
        left.push(u);
        continue;
      }
      const r = s.routes[bestV]!;
      const wasEmpty = r.seq.length === 0;
      s.insertAt(bestV, bestPos, u);
      if (wasEmpty) {
        const t = p.vehicleType[bestV]!;
        emptyOfType[t] = -1;
        for (let v = bestV + 1; v < p.nVehicles; v++) {
          if (p.vehicleType[v] === t && s.routes[v]!.seq.length === 0) {
            emptyOfType[t] = v;
            break;
          }
        }
      }
    }
    return left;
  }

  /** Tries u between positions pos and pos+1 of r; a blink (rng given) skips it. */
  private tryPosition(r: RouteState, u: number, pos: number, rng: Rng | undefined): void {
    if (rng !== undefined && r.seq.length > 0 && rng.next() < this.blinkRate) return;
    const d = insertionDelta(this.p, r, u, pos, this.bestDelta);
    if (d < this.bestDelta) {
      this.bestDelta = d;
      this.bestV = r.vehicle;
      this.bestPos = pos;
    }
  }
}

function fits(p: Problem, r: RouteState, v: number, wu: number, vu: number): boolean {
  return r.loadWeight + wu <= p.capacityWeight[v]! && r.loadVolume + vu <= p.capacityVolume[v]!;
}
