import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { insertionDelta, RouteState } from '../../../shared/solver/evaluation/route';
import { compatible, createProblem, type Problem } from '../../../shared/solver/model/problem';
import { Recreate } from '../../../shared/solver/search/recreate';
import { Solution } from '../../../shared/solver/search/solution';
import { Rng } from '../../../shared/solver/util/random';
import { randomSquareMatrix } from '../../support/random-square';

/** Random points in a square, Euclidean integer times, windows tight enough to bind. */
function randomProblem(seed: number, n: number, vehicles: number, nNeighbours?: number): Problem {
  const rng = new Rng(seed);
  const m = randomSquareMatrix(rng, n);
  const twEarly: number[] = [];
  const twLate: number[] = [];
  for (let i = 0; i < n; i++) {
    const e = rng.int(400);
    twEarly.push(e);
    twLate.push(e + 30 + rng.int(200));
  }
  return createProblem({
    distance: m,
    duration: m,
    clientLocation: Array.from({ length: n }, (_, i) => i + 1),
    demandWeight: Array.from({ length: n }, () => 1 + rng.int(10)),
    serviceTime: Array.from({ length: n }, () => rng.int(10)),
    twEarly,
    twLate,
    required: Array.from({ length: n }, () => 1),
    unassignedPenalty: Array.from({ length: n }, () => 1e9),
    vehicleStart: new Array(vehicles).fill(0),
    vehicleEnd: new Array(vehicles).fill(0),
    capacityWeight: new Array(vehicles).fill(40),
    shiftStart: new Array(vehicles).fill(0),
    shiftEnd: new Array(vehicles).fill(800),
    ...(nNeighbours !== undefined ? { nNeighbours } : {}),
  });
}

function sameRoute(a: RouteState, b: RouteState): void {
  expect(Array.from(a.seq)).toEqual(Array.from(b.seq));
  expect(Array.from(a.seg)).toEqual(Array.from(b.seg));
  expect([a.distance, a.duration, a.timeWarp, a.startTime, a.cost, a.loadWeight]).toEqual([
    b.distance,
    b.duration,
    b.timeWarp,
    b.startTime,
    b.cost,
    b.loadWeight,
  ]);
}

describe('route segments reused from the previous route', () => {
  it('an insertion or a string removal gives the same route as a fresh build', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 12 }),
        fc.nat(),
        fc.nat(),
        (seed, len, x, y) => {
          const p = randomProblem(seed, 14, 1);
          const order = Array.from({ length: 14 }, (_, i) => i);
          const seq = order.slice(0, len);
          const base = new RouteState(p, 0, seq);
          // insert client 13 at any position
          const pos = x % (len + 1);
          const inserted = [...seq.slice(0, pos), 13, ...seq.slice(pos)];
          sameRoute(new RouteState(p, 0, inserted, base, pos, len - pos), new RouteState(p, 0, inserted));
          // remove a string [start, start + l)
          if (len > 0) {
            const start = x % len;
            const l = 1 + (y % (len - start));
            const removed = [...seq.slice(0, start), ...seq.slice(start + l)];
            sameRoute(
              new RouteState(p, 0, removed, base, start, len - start - l),
              new RouteState(p, 0, removed),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('Solution.setRoute finds the shared prefix and suffix itself', () => {
    const p = randomProblem(7, 14, 2);
    const s = Solution.fromRoutes(p, [
      [0, 1, 2, 3, 4, 5],
      [6, 7, 8],
    ]);
    s.setRoute(0, [0, 1, 9, 10, 4, 5]);
    sameRoute(s.routes[0]!, new RouteState(p, 0, [0, 1, 9, 10, 4, 5]));
    expect([s.posOf[9], s.posOf[10], s.posOf[4], s.routeOf[10]]).toEqual([3, 4, 5, 0]);
    s.insertAt(1, 0, 11);
    sameRoute(s.routes[1]!, new RouteState(p, 1, [11, 6, 7, 8]));
    expect([s.posOf[11], s.posOf[6], s.posOf[8]]).toEqual([1, 2, 4]);
  });
});

describe('granular recreate', () => {
  it('with every client a neighbour, it picks the cheapest feasible position of the whole solution', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const p = randomProblem(seed, 20, 4);
        const rng = new Rng(seed);
        const s = new Solution(p);
        const recreate = new Recreate(p);
        recreate.blinkRate = 0;
        const all = Array.from({ length: 19 }, (_, i) => i);
        recreate.run(s, all, rng);
        // the exhaustive best position for client 19
        let best = Number.POSITIVE_INFINITY;
        for (let v = 0; v < p.nVehicles; v++) {
          const r = s.routes[v]!;
          if (!compatible(p, 19, v) || r.loadWeight + p.demandWeight[19]! > p.capacityWeight[v]!) continue;
          for (let pos = 0; pos <= r.seq.length; pos++) best = Math.min(best, insertionDelta(p, r, 19, pos));
        }
        const routeCost = (): number => s.routes.reduce((c, r) => c + r.cost, 0);
        const before = routeCost();
        const left = recreate.run(s, [19], rng);
        if (best === Number.POSITIVE_INFINITY) expect(left).toEqual([19]);
        else {
          expect(left).toEqual([]);
          expect(routeCost() - before).toBeCloseTo(best, 9);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('falls back to every route when no position next to a neighbour is feasible', () => {
    // clients 0 and 1 at x = 10 and 11 (capacity-full vehicle 0), client 2 at x = -50 on vehicle 1;
    // client 3 at x = 12 has only client 1 as its neighbour (nNeighbours 1), whose route is full
    const xs = [0, 10, 11, -50, 12];
    const N = xs.length;
    const m = new Int32Array(N * N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) m[i * N + j] = Math.abs(xs[i]! - xs[j]!);
    const p = createProblem({
      distance: m,
      duration: m,
      clientLocation: [1, 2, 3, 4],
      demandWeight: [1, 1, 1, 1],
      serviceTime: [0, 0, 0, 0],
      twEarly: [0, 0, 0, 0],
      twLate: [1e9, 1e9, 1e9, 1e9],
      required: [1, 1, 1, 1],
      unassignedPenalty: [1e9, 1e9, 1e9, 1e9],
      vehicleStart: [0, 0],
      vehicleEnd: [0, 0],
      capacityWeight: [2, 5],
      shiftStart: [0, 0],
      shiftEnd: [1e9, 1e9],
      nNeighbours: 1,
    });
    const s = Solution.fromRoutes(p, [[0, 1], [2]]);
    const left = new Recreate(p).run(s, [3], new Rng(1));
    expect(left).toEqual([]);
    expect(s.routeOf[3]).toBe(1);
    expect(s.cost()).toBe(22 + 124);
  });
});
