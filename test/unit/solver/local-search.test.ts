import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteState } from '../../../shared/solver/evaluation/route';
import { compatible, createProblem, type Problem } from '../../../shared/solver/model/problem';
import { LocalSearch } from '../../../shared/solver/search/local-search';
import { Recreate } from '../../../shared/solver/search/recreate';
import { Solution } from '../../../shared/solver/search/solution';
import { Rng } from '../../../shared/solver/util/random';
import { randomSquareMatrix } from '../../support/random-square';

interface Opts {
  n: number;
  vehicles: number;
  /** Windows and service times (else CVRP: timeless). */
  tw: boolean;
  /** Two vehicle types (other shift, capacity, costs) and a compatibility group. */
  mixed: boolean;
  /** Time cost and a maximum duration. */
  timeCost: boolean;
  /** Preferred vehicles with move penalties. */
  moves: boolean;
}

function randomProblem(seed: number, o: Opts): Problem {
  const rng = new Rng(seed);
  const { n, vehicles } = o;
  const m = randomSquareMatrix(rng, n);
  const N = n + 1;
  const twEarly: number[] = [];
  const twLate: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = o.tw ? rng.int(400) : 0;
    twEarly.push(e);
    twLate.push(o.tw ? e + 30 + rng.int(200) : 1e9);
  }
  const v = Array.from({ length: vehicles }, (_, k) => k);
  const second = (k: number): boolean => o.mixed && k % 2 === 1;
  return createProblem({
    distance: m,
    duration: o.tw || o.timeCost ? m : new Int32Array(N * N),
    clientLocation: Array.from({ length: n }, (_, i) => i + 1),
    demandWeight: Array.from({ length: n }, () => 1 + rng.int(10)),
    serviceTime: Array.from({ length: n }, () => (o.tw ? rng.int(10) : 0)),
    twEarly,
    twLate,
    required: Array.from({ length: n }, () => 1),
    unassignedPenalty: Array.from({ length: n }, () => 1e9),
    clientGroup: Array.from({ length: n }, (_, i) => (o.mixed && i % 5 === 0 ? 1 : -1)),
    preferredVehicle: Array.from({ length: n }, () => (o.moves && rng.next() < 0.5 ? rng.int(vehicles) : -1)),
    movePenalty: Array.from({ length: n }, () => (o.moves ? 5 + rng.int(40) : 0)),
    vehicleStart: v.map(() => 0),
    vehicleEnd: v.map(() => 0),
    capacityWeight: v.map((k) => (second(k) ? 30 : 40)),
    shiftStart: v.map((k) => (second(k) ? 100 : 0)),
    shiftEnd: v.map((k) => (o.tw ? (second(k) ? 700 : 800) : 1e9)),
    ...(o.timeCost
      ? { maxDuration: v.map(() => 600), costPerTime: v.map((k) => (second(k) ? 0.5 : 0.2)) }
      : {}),
    costPerDistance: v.map((k) => (second(k) ? 1.5 : 1)),
    fixedCost: v.map((k) => (second(k) ? 20 : 0)),
    vehicleGroup: v.map((k) => (second(k) ? 1 : -1)),
  });
}

const opts = fc.record({
  n: fc.integer({ min: 2, max: 24 }),
  vehicles: fc.integer({ min: 1, max: 6 }),
  tw: fc.boolean(),
  mixed: fc.boolean(),
  timeCost: fc.boolean(),
  moves: fc.boolean(),
});

function feasible(p: Problem, s: Solution): void {
  for (let v = 0; v < p.nVehicles; v++) {
    const r = s.routes[v]!;
    expect(r.timeWarp).toBe(0);
    expect(r.loadWeight).toBeLessThanOrEqual(p.capacityWeight[v]!);
    for (let i = 0; i < r.seq.length; i++) {
      const c = r.seq[i]!;
      expect(compatible(p, c, v)).toBe(true);
      expect(s.routeOf[c]).toBe(v);
      expect(s.posOf[c]).toBe(i + 1);
    }
    // the cached route equals a fresh build (reported cost = recomputed cost)
    const fresh = new RouteState(p, v, r.seq);
    expect(r.cost).toBeCloseTo(fresh.cost, 9);
    expect(Array.from(r.seg)).toEqual(Array.from(fresh.seg));
  }
}

/** Cost of s after replacing the routes in `change` by fresh builds, or Infinity when infeasible. */
function costWith(p: Problem, s: Solution, change: Map<number, number[]>): number {
  let c = 0;
  for (let v = 0; v < p.nVehicles; v++) {
    const seq = change.get(v);
    const r = seq ? new RouteState(p, v, seq) : s.routes[v]!;
    if (seq) {
      if (r.timeWarp > 0 || r.loadWeight > p.capacityWeight[v]! || r.loadVolume > p.capacityVolume[v]!) {
        return Number.POSITIVE_INFINITY;
      }
      if (seq.some((x) => !compatible(p, x, v))) return Number.POSITIVE_INFINITY;
    }
    c += r.cost;
  }
  return c;
}

function start(p: Problem, seed: number): Solution {
  const s = new Solution(p);
  const rc = new Recreate(p);
  rc.blinkRate = 0.3; // a poor start, so that the local search has work to do
  const order = Array.from({ length: p.nClients }, (_, i) => i);
  rc.run(s, order, new Rng(seed));
  return s;
}

describe('local search (ADR 0011)', () => {
  it('never increases the cost, keeps every route feasible and every client where it may be', () => {
    fc.assert(
      fc.property(opts, fc.integer({ min: 1, max: 1_000_000 }), fc.boolean(), (o, seed, withFixed) => {
        const p = randomProblem(seed, o);
        const s = start(p, seed);
        const rng = new Rng(seed + 1);
        const fixed = withFixed
          ? Uint8Array.from({ length: p.nClients }, () => (rng.next() < 0.3 ? 1 : 0))
          : undefined;
        const before = s.cost();
        const routesBefore = s.toRoutes();
        const unassigned = s.unassigned();
        new LocalSearch(p, fixed).run(s, rng);
        expect(s.cost()).toBeLessThanOrEqual(before + 1e-9);
        expect(s.unassigned()).toEqual(unassigned);
        feasible(p, s);
        if (fixed) {
          // fixed clients keep their vehicle and their order
          for (let v = 0; v < p.nVehicles; v++) {
            const was = routesBefore[v]!.filter((c) => fixed[c]);
            const now = Array.from(s.routes[v]!.seq).filter((c) => fixed[c]);
            expect(now).toEqual(was);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('with every client a neighbour, leaves no improving relocate, swap or 2-opt* between routes', () => {
    fc.assert(
      fc.property(opts, fc.integer({ min: 1, max: 1_000_000 }), (o, seed) => {
        const p = randomProblem(seed, o);
        const s = start(p, seed);
        const ls = new LocalSearch(p);
        ls.granularity = p.nClients;
        ls.run(s, new Rng(seed));
        const base = s.routes.reduce((c, r) => c + r.cost, 0);
        const R = s.toRoutes();
        const better = (change: [number, number[]][]): boolean =>
          costWith(p, s, new Map(change)) < base - 1e-6;
        for (let A = 0; A < p.nVehicles; A++) {
          for (let B = 0; B < p.nVehicles; B++) {
            if (A === B || R[A]!.length === 0 || R[B]!.length === 0) continue;
            const a = R[A]!;
            const b = R[B]!;
            for (let i = 0; i < a.length; i++) {
              // relocate a[i] into any position of b
              for (let j = 0; j <= b.length; j++) {
                const na = a.filter((_, k) => k !== i);
                const nb = [...b.slice(0, j), a[i]!, ...b.slice(j)];
                expect(
                  better([
                    [A, na],
                    [B, nb],
                  ]),
                ).toBe(false);
              }
              for (let j = 0; j < b.length; j++) {
                const na = a.slice();
                const nb = b.slice();
                na[i] = b[j]!;
                nb[j] = a[i]!;
                expect(
                  better([
                    [A, na],
                    [B, nb],
                  ]),
                ).toBe(false);
                if (p.vehicleType[A] === p.vehicleType[B]) {
                  const ta = [...a.slice(0, i + 1), ...b.slice(j + 1)];
                  const tb = [...b.slice(0, j + 1), ...a.slice(i + 1)];
                  expect(
                    better([
                      [A, ta],
                      [B, tb],
                    ]),
                  ).toBe(false);
                }
              }
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('is deterministic for a seed', () => {
    const p = randomProblem(3, { n: 24, vehicles: 5, tw: true, mixed: true, timeCost: true, moves: true });
    const a = start(p, 3);
    const b = start(p, 3);
    new LocalSearch(p).run(a, new Rng(9));
    new LocalSearch(p).run(b, new Rng(9));
    expect(a.toRoutes()).toEqual(b.toRoutes());
  });
});

/** A CVRP (timeless) instance from integer coordinates, depot first, one vehicle per capacity. */
function cvrp(xs: number[], ys: number[], demand: number[], caps: number[]): Problem {
  const N = xs.length;
  const m = new Int32Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) m[i * N + j] = Math.round(10 * Math.hypot(xs[i]! - xs[j]!, ys[i]! - ys[j]!));
  const n = N - 1;
  return createProblem({
    distance: m,
    duration: new Int32Array(N * N),
    clientLocation: Array.from({ length: n }, (_, i) => i + 1),
    demandWeight: demand,
    serviceTime: demand.map(() => 0),
    twEarly: demand.map(() => 0),
    twLate: demand.map(() => 1e15),
    required: demand.map(() => 1),
    unassignedPenalty: demand.map(() => 1e9),
    vehicleStart: caps.map(() => 0),
    vehicleEnd: caps.map(() => 0),
    capacityWeight: caps,
    shiftStart: caps.map(() => 0),
    shiftEnd: caps.map(() => 1e15),
  });
}

describe('SWAP* (Vidal 2022) in the local search', () => {
  // Two full routes: no relocation fits, and no plain swap, 2-opt* or intra-route move improves,
  // but exchanging 3 and 2 with 2 inserted at the start of the first route (not in 3's place) does.
  const p = cvrp([0, 7, 10, 8, 2, 4, 7], [0, 3, 5, 3, 3, 2, 10], [3, 1, 3, 3, 3, 3], [9, 9]);
  const routes = [
    [1, 5, 3],
    [4, 0, 2],
  ];

  it('finds the exchange the granular moves miss, each client at its best position', () => {
    const s = Solution.fromRoutes(p, routes);
    expect(s.cost()).toBe(464);
    const without = new LocalSearch(p);
    without.granularity = p.nClients;
    without.swapStar = false;
    expect(without.run(s, new Rng(1))).toBe(0);
    const ls = new LocalSearch(p);
    expect(ls.run(s, new Rng(1))).toBeGreaterThan(0);
    expect(s.cost()).toBe(456);
    expect(s.toRoutes()).toEqual([
      [2, 1, 5],
      [4, 0, 3],
    ]);
    feasible(p, s);
  });

  it('never moves a fixed client', () => {
    for (const f of [2, 3]) {
      const s = Solution.fromRoutes(p, routes);
      const fixed = new Uint8Array(p.nClients);
      fixed[f] = 1;
      new LocalSearch(p, fixed).run(s, new Rng(1));
      expect(s.cost()).toBe(464);
      expect(s.routeOf[f]).toBe(f === 3 ? 0 : 1);
    }
  });

  it('is skipped when a client is not compatible with the other route', () => {
    const q = createProblem({
      distance: p.distance,
      duration: p.duration,
      clientLocation: p.clientLocation,
      demandWeight: p.demandWeight,
      serviceTime: [0, 0, 0, 0, 0, 0],
      twEarly: [0, 0, 0, 0, 0, 0],
      twLate: Array(6).fill(1e15),
      required: Array(6).fill(1),
      unassignedPenalty: Array(6).fill(1e9),
      clientGroup: [-1, -1, 2, -1, -1, -1],
      vehicleStart: [0, 0],
      vehicleEnd: [0, 0],
      capacityWeight: [9, 9],
      shiftStart: [0, 0],
      shiftEnd: [1e15, 1e15],
      vehicleGroup: [1, 2],
    });
    const s = Solution.fromRoutes(q, routes);
    new LocalSearch(q).run(s, new Rng(1));
    expect(s.routeOf[2]).toBe(1);
    feasible(q, s);
  });

  it('leaves no improving SWAP* (any positions) between two routes on random CVRPs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 22 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.boolean(),
        (n, vehicles, seed, mixed) => {
          const p = randomProblem(seed, { n, vehicles, tw: false, mixed, timeCost: false, moves: mixed });
          expect(p.timeless).toBe(true);
          const s = start(p, seed);
          const before = s.cost();
          const ls = new LocalSearch(p);
          ls.granularity = p.nClients;
          ls.swapStarGranularity = p.nClients;
          ls.run(s, new Rng(seed));
          expect(s.cost()).toBeLessThanOrEqual(before + 1e-9);
          feasible(p, s);
          const base = s.routes.reduce((c, r) => c + r.cost, 0);
          const R = s.toRoutes();
          for (let A = 0; A < p.nVehicles; A++) {
            for (let B = A + 1; B < p.nVehicles; B++) {
              const a = R[A]!;
              const b = R[B]!;
              if (a.length === 0 || b.length === 0) continue;
              for (let i = 0; i < a.length; i++) {
                for (let j = 0; j < b.length; j++) {
                  const ra = a.filter((_, k) => k !== i);
                  const rb = b.filter((_, k) => k !== j);
                  for (let x = 0; x <= ra.length; x++) {
                    for (let y = 0; y <= rb.length; y++) {
                      const na = [...ra.slice(0, x), b[j]!, ...ra.slice(x)];
                      const nb = [...rb.slice(0, y), a[i]!, ...rb.slice(y)];
                      const c = costWith(
                        p,
                        s,
                        new Map([
                          [A, na],
                          [B, nb],
                        ]),
                      );
                      expect(c).toBeGreaterThan(base - 1e-6);
                    }
                  }
                }
              }
            }
          }
        },
      ),
      { numRuns: 80 },
    );
  }, 30_000);
});
