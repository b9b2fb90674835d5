import { insertionDelta } from '../evaluation/route';
import { compatible, type Problem } from '../model/problem';
import type { Rng } from '../util/random';
import type { Solution } from './solution';

/**
 * Greedy insertion with blinks (Christiaens & Vanden Berghe 2020). Each client goes to its
 * cheapest feasible position among routes near it (granular: routes holding one of its nearest
 * neighbours; all routes when the solution has few) plus one empty vehicle per type. Feasibility
 * and cost of every position are O(1) through segment concatenation.
 */
export class Recreate {
  private readonly stamp: Int32Array;
  private stampValue = 0;
  private readonly candidates: Int32Array;
  /** Granular neighbourhood size used to select candidate routes. */
  granularity = 40;
  blinkRate = 0.01;

  constructor(private readonly p: Problem) {
    this.stamp = new Int32Array(p.nVehicles);
    this.candidates = new Int32Array(p.nVehicles);
  }

  /** Inserts `clients` (in the given order) into `s`; returns those left unassigned. */
  run(s: Solution, clients: ArrayLike<number>, rng: Rng): number[] {
    const p = this.p;
    const left: number[] = [];
    // first empty vehicle of each type
    const emptyOfType = new Int32Array(p.nVehicleTypes).fill(-1);
    let nonEmpty = 0;
    for (let v = p.nVehicles - 1; v >= 0; v--) {
      if (s.routes[v]!.seq.length === 0) emptyOfType[p.vehicleType[v]!] = v;
      else nonEmpty++;
    }
    for (let k = 0; k < clients.length; k++) {
      const u = clients[k]!;
      const wu = p.demandWeight[u]!;
      const vu = p.demandVolume[u]!;
      let bestDelta = Number.POSITIVE_INFINITY;
      let bestV = -1;
      let bestPos = -1;
      // candidate routes
      const st = ++this.stampValue;
      let nc = 0;
      if (nonEmpty <= 16) {
        for (let v = 0; v < p.nVehicles; v++) {
          if (s.routes[v]!.seq.length > 0) this.candidates[nc++] = v;
        }
      } else {
        const G = Math.min(this.granularity, p.nNeighbours);
        const base = u * p.nNeighbours;
        for (let j = 0; j < G; j++) {
          const w = p.neighbours[base + j]!;
          const v = s.routeOf[w]!;
          if (v >= 0 && this.stamp[v] !== st) {
            this.stamp[v] = st;
            this.candidates[nc++] = v;
          }
        }
      }
      for (let t = 0; t < p.nVehicleTypes; t++) {
        const v = emptyOfType[t]!;
        if (v >= 0) this.candidates[nc++] = v;
      }
      for (let ci = 0; ci < nc; ci++) {
        const v = this.candidates[ci]!;
        const r = s.routes[v]!;
        if (!compatible(p, u, v)) continue;
        if (r.loadWeight + wu > p.capacityWeight[v]! || r.loadVolume + vu > p.capacityVolume[v]!) continue;
        const n = r.seq.length;
        for (let pos = 0; pos <= n; pos++) {
          if (n > 0 && rng.next() < this.blinkRate) continue;
          const d = insertionDelta(p, r, u, pos);
          if (d < bestDelta) {
            bestDelta = d;
            bestV = v;
            bestPos = pos;
          }
        }
      }
      if (bestV < 0 && nonEmpty > 16) {
        // granular miss: fall back to every route
        for (let v = 0; v < p.nVehicles; v++) {
          const r = s.routes[v]!;
          if (r.seq.length === 0 || this.stamp[v] === st || !compatible(p, u, v)) continue;
          if (r.loadWeight + wu > p.capacityWeight[v]! || r.loadVolume + vu > p.capacityVolume[v]!) continue;
          for (let pos = 0; pos <= r.seq.length; pos++) {
            const d = insertionDelta(p, r, u, pos);
            if (d < bestDelta) {
              bestDelta = d;
              bestV = v;
              bestPos = pos;
            }
          }
        }
      }
      if (bestV < 0 || (!p.required[u] && bestDelta >= p.unassignedPenalty[u]!)) {
        left.push(u);
        continue;
      }
      const r = s.routes[bestV]!;
      const wasEmpty = r.seq.length === 0;
      const seq = new Int32Array(r.seq.length + 1);
      seq.set(r.seq.subarray(0, bestPos), 0);
      seq[bestPos] = u;
      seq.set(r.seq.subarray(bestPos), bestPos + 1);
      s.setRoute(bestV, seq);
      if (wasEmpty) {
        nonEmpty++;
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
}
