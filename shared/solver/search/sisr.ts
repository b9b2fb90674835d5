import { greedyConstruction } from '../construction/greedy';
import type { Problem } from '../model/problem';
import type { StoppingCriterion } from '../stop/stopping';
import type { Rng } from '../util/random';
import { LocalSearch } from './local-search';
import { Recreate } from './recreate';
import type { Solution } from './solution';

export interface SearchOptions {
  rng: Rng;
  stop: StoppingCriterion;
  /** Called when the best solution improves. */
  onImprove?: (cost: number, iteration: number) => void;
  /** Starting solution (e.g. a previous plan); otherwise built by greedy insertion. */
  initial?: Solution;
  /** Average number of removed clients per ruin (SISR c̄). */
  averageRemoved?: number;
  /** Maximum string length (SISR L_max). */
  maxStringLength?: number;
  /**
   * Start temperature as a multiple of the mean distance to a client's 3 nearest neighbours (in
   * cost units); the final temperature is 1/100 of it.
   */
  initialTemperatureFactor?: number;
  /** Stop once the best solution has not improved for this many iterations (default: never). */
  maxIterationsWithoutImprovement?: number;
  /** Clients that must not be moved (real-time insertion freezes served stops). */
  fixed?: Uint8Array;
  /**
   * Anytime curve: `due()` is asked once per iteration and returns true when a checkpoint has
   * been reached; `record` then receives the best solution so far (also for every checkpoint
   * still due when the search ends).
   */
  checkpoints?: { due(): boolean; record(best: Solution, bestCost: number): void; pending(): boolean };
  /**
   * Granular local search (ADR 0011) on every recreated solution, starting from the clients the
   * ruin moved (default on).
   */
  localSearch?: boolean;
  /**
   * SWAP* (ADR 0012) in that local search, timeless (CVRP) problems only: on every candidate
   * (`every`, default), only on the candidates that pass the acceptance test (`accepted`) or never
   * (`off`).
   */
  swapStar?: 'accepted' | 'every' | 'off';
}

export interface SearchResult {
  best: Solution;
  bestCost: number;
  iterations: number;
}

/**
 * Ruin & recreate with simulated annealing: SISR, "Slack Induction by String Removals"
 * (Christiaens & Vanden Berghe, Transportation Science 2020). Ruin removes a few strings of
 * consecutive clients from routes that are spatially adjacent; recreate re-inserts them greedily
 * with blinks; acceptance is simulated annealing with an exponentially decreasing temperature
 * driven by the stopping criterion's progress (so the search is anytime).
 */
export function searchSisr(p: Problem, opts: SearchOptions): SearchResult {
  const rng = opts.rng;
  const recreate = new Recreate(p);
  const cbar = opts.averageRemoved ?? 10;
  const Lmax = opts.maxStringLength ?? 10;
  const fixed = opts.fixed;
  const ls = (opts.localSearch ?? true) && p.nClients > 0 ? new LocalSearch(p, fixed) : undefined;
  const swapStarMode = opts.swapStar ?? 'every';
  if (ls) ls.swapStar = swapStarMode === 'every';
  const polish = ls !== undefined && swapStarMode === 'accepted' && p.timeless;

  let current: Solution;
  if (opts.initial) {
    current = opts.initial.clone();
    const left = current.unassigned().filter((c) => !fixed?.[c]);
    shuffle(left, rng);
    recreate.run(current, left, rng);
  } else {
    current = greedyConstruction(p, recreate, rng);
  }
  let currentCost = current.cost();
  let best = current;
  let bestCost = currentCost;
  opts.onImprove?.(bestCost, 0);

  const { t0, tf } = temperatures(p, opts.initialTemperatureFactor ?? 2.5);
  const removedMark = new Uint8Array(p.nClients);
  const ruinedRoute = new Uint8Array(p.nVehicles);
  const removed: number[] = [];
  let it = 0;
  let lastImprovement = 0;
  const patience = opts.maxIterationsWithoutImprovement ?? Number.POSITIVE_INFINITY;
  if (p.nClients === 0) {
    while (opts.checkpoints?.pending()) opts.checkpoints.record(best, bestCost);
    return { best, bestCost, iterations: 0 };
  }

  const cps = opts.checkpoints;
  while (!opts.stop.shouldStop(it) && it - lastImprovement < patience) {
    if (cps?.due()) cps.record(best, bestCost);
    it++;
    const s = current.clone();
    removed.length = 0;
    ruin(p, s, rng, cbar, Lmax, removedMark, ruinedRoute, removed, fixed);
    for (let i = 0; i < p.nClients; i++) {
      if (s.routeOf[i]! < 0 && !removedMark[i] && !fixed?.[i]) removed.push(i);
    }
    for (const c of removed) removedMark[c] = 0;
    ruinedRoute.fill(0);
    sortClients(p, removed, rng.next(), rng);
    recreate.run(s, removed, rng);
    let cost = s.cost();
    // intensification (ADR 0011): the moved clients' granular local search, before acceptance
    if (ls && ls.run(s, rng, removed) > 0) cost = s.cost();
    const T = t0 * (tf / t0) ** opts.stop.progress(it);
    if (cost < currentCost - T * Math.log(rng.next() + 1e-300)) {
      // SWAP* only lowers the cost, so the candidate stays accepted
      if (polish && ls.polish(s, rng) > 0) cost = s.cost();
      current = s;
      currentCost = cost;
      if (cost < bestCost - 1e-9) {
        best = s;
        bestCost = cost;
        lastImprovement = it;
        opts.onImprove?.(bestCost, it);
      }
    }
  }
  while (cps?.pending()) cps.record(best, bestCost);
  return { best, bestCost, iterations: it };
}

function temperatures(p: Problem, t0Factor: number): { t0: number; tf: number } {
  // scale on the typical arc to a client's nearest neighbours, priced with the mean vehicle costs
  let dist = 0;
  let time = 0;
  let cnt = 0;
  const K = Math.min(3, p.nNeighbours);
  const N = p.nLocations;
  for (let i = 0; i < p.nClients; i++) {
    for (let k = 0; k < K; k++) {
      const j = p.neighbours[i * p.nNeighbours + k]!;
      const a = p.clientLocation[i]! * N + p.clientLocation[j]!;
      dist += p.distance[a]!;
      time += p.duration[a]!;
      cnt++;
    }
  }
  let cpd = 0;
  let cpt = 0;
  for (let v = 0; v < p.nVehicles; v++) {
    cpd += p.costPerDistance[v]!;
    cpt += p.costPerTime[v]!;
  }
  const m = Math.max(1, p.nVehicles);
  const scale = cnt > 0 ? (dist * (cpd / m) + time * (cpt / m)) / cnt : 1;
  const t0 = Math.max(1e-6, t0Factor * scale);
  return { t0, tf: t0 / 100 };
}

function shuffle(a: number[], rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** SISR sort orders: random (4), demand desc (4), far from depot (2), close (1), plus TW end (2). */
function sortClients(p: Problem, a: number[], x: number, rng: Rng): void {
  shuffle(a, rng);
  const r = x * 13;
  if (r < 4) return;
  const N = p.nLocations;
  const depot = p.vehicleStart[0] ?? 0;
  const dd = (c: number): number => p.distance[depot * N + p.clientLocation[c]!]!;
  if (r < 8) a.sort((u, v) => p.demandWeight[v]! - p.demandWeight[u]!);
  else if (r < 10) a.sort((u, v) => dd(v) - dd(u));
  else if (r < 11) a.sort((u, v) => dd(u) - dd(v));
  else a.sort((u, v) => p.twLate[u]! - p.twLate[v]!);
}

/** Share of iterations that also empty a whole (small) route. */
const ROUTE_REMOVAL_RATE = 0.02;

function ruin(
  p: Problem,
  s: Solution,
  rng: Rng,
  cbar: number,
  Lmax: number,
  mark: Uint8Array,
  ruined: Uint8Array,
  removed: number[],
  fixed: Uint8Array | undefined,
): void {
  let total = 0;
  let used = 0;
  for (const r of s.routes) {
    if (r.seq.length > 0) {
      total += r.seq.length;
      used++;
    }
  }
  if (used === 0) return;
  if (used > 1 && rng.next() < ROUTE_REMOVAL_RATE) {
    // route elimination: empty the smallest of three random routes (SISR alone rarely empties a long route)
    let pick = -1;
    for (let t = 0; t < 3; t++) {
      let v = rng.int(p.nVehicles);
      for (let k = 0; k < p.nVehicles && s.routes[v]!.seq.length === 0; k++) v = (v + 1) % p.nVehicles;
      if (pick < 0 || s.routes[v]!.seq.length < s.routes[pick]!.seq.length) pick = v;
    }
    const r = s.routes[pick]!;
    const keep: number[] = [];
    for (let i = 0; i < r.seq.length; i++) {
      const x = r.seq[i]!;
      if (fixed?.[x]) keep.push(x);
      else {
        mark[x] = 1;
        removed.push(x);
        s.routeOf[x] = -1;
      }
    }
    s.setRoute(pick, keep);
    ruined[pick] = 1;
  }
  const lsMax = Math.min(Lmax, total / used);
  const ksMax = (4 * cbar) / (1 + lsMax) - 1;
  const ks = Math.floor(rng.next() * ksMax) + 1;
  const seed = rng.int(p.nClients);
  let done = 0;
  const K = p.nNeighbours;
  for (let k = -1; k < K && done < ks; k++) {
    const c = k < 0 ? seed : p.neighbours[seed * K + k]!;
    const v = s.routeOf[c]!;
    if (v < 0 || ruined[v] || mark[c]) continue;
    const r = s.routes[v]!;
    const n = r.seq.length;
    const lMax = Math.min(n, lsMax);
    const l = Math.floor(rng.next() * lMax) + 1;
    const pos = s.posOf[c]! - 1;
    const keep: number[] = [];
    if (rng.next() < 0.5 || l >= n) {
      // string of length l containing pos
      const start = Math.max(0, Math.min(n - l, pos - rng.int(l)));
      for (let i = 0; i < n; i++) {
        const x = r.seq[i]!;
        if (i >= start && i < start + l && !fixed?.[x]) {
          mark[x] = 1;
          removed.push(x);
          s.routeOf[x] = -1;
        } else keep.push(x);
      }
    } else {
      // split string: a string of l+m clients from which m consecutive ones are kept
      let m = 1;
      while (l + m < n && rng.next() < 0.5) m++;
      const len = l + m;
      const start = Math.max(0, Math.min(n - len, pos - rng.int(len)));
      const keepFrom = start + rng.int(l + 1);
      for (let i = 0; i < n; i++) {
        const x = r.seq[i]!;
        const inStr = i >= start && i < start + len;
        const kept = i >= keepFrom && i < keepFrom + m;
        if (inStr && !kept && !fixed?.[x]) {
          mark[x] = 1;
          removed.push(x);
          s.routeOf[x] = -1;
        } else keep.push(x);
      }
    }
    s.setRoute(v, keep);
    ruined[v] = 1;
    done++;
  }
}
