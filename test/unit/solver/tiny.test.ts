import { describe, expect, it } from 'vitest';
import { RouteState } from '../../../shared/solver/evaluation/route';
import { merge, outD, outE, outL, outTW } from '../../../shared/solver/evaluation/segment';
import { createProblem } from '../../../shared/solver/model/problem';
import { solveProblem } from '../../../shared/solver/solve';

/** Points on a line: depot at 0, clients at the given positions; |a-b| distances and times. */
function line(positions: number[]) {
  const xs = [0, ...positions];
  const n = xs.length;
  const m = new Int32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = Math.abs(xs[i]! - xs[j]!);
  return m;
}

describe('time-window segments', () => {
  it('concatenates waiting and time warp', () => {
    // visit A (window [10,20], service 5) then B (window [0,12]) with travel 4: B reached at 19 > 12
    merge(5, 0, 10, 20, 4, 0, 0, 0, 12);
    expect(outTW).toBe(7);
    expect(outD).toBe(9);
    // A then C (window [40,50]), travel 4: start A at its latest 20, leave 25, arrive 29, wait to 40
    merge(5, 0, 10, 20, 4, 0, 0, 40, 50);
    expect(outTW).toBe(0);
    expect(outD).toBe(20);
    expect(outE).toBe(20);
    expect(outL).toBe(20);
  });
});

describe('tiny instances with hand-checked optima', () => {
  it('one vehicle visits a line out and back', () => {
    const m = line([1, 2, 3]);
    const p = createProblem({
      distance: m,
      duration: m,
      clientLocation: [1, 2, 3],
      demandWeight: [1, 1, 1],
      serviceTime: [0, 0, 0],
      twEarly: [0, 0, 0],
      twLate: [1e9, 1e9, 1e9],
      required: [1, 1, 1],
      unassignedPenalty: [1e9, 1e9, 1e9],
      vehicleStart: [0],
      vehicleEnd: [0],
      capacityWeight: [10],
      shiftStart: [0],
      shiftEnd: [1e9],
    });
    const r = solveProblem(p, { timeLimitMs: 5000, maxIterations: 200, seed: 3 });
    expect(r.cost).toBe(6);
    expect(r.unassigned).toEqual([]);
  });

  it('capacity splits clients over two vehicles', () => {
    // clients at +5 and -5 (on two sides), capacity 1 each: two routes of 10 each
    const xs = [0, 5, -5];
    const m = new Int32Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) m[i * 3 + j] = Math.abs(xs[i]! - xs[j]!);
    const p = createProblem({
      distance: m,
      duration: m,
      clientLocation: [1, 2],
      demandWeight: [1, 1],
      serviceTime: [0, 0],
      twEarly: [0, 0],
      twLate: [1e9, 1e9],
      required: [1, 1],
      unassignedPenalty: [1e9, 1e9],
      vehicleStart: [0, 0],
      vehicleEnd: [0, 0],
      capacityWeight: [1, 1],
      shiftStart: [0, 0],
      shiftEnd: [1e9, 1e9],
    });
    const r = solveProblem(p, { timeLimitMs: 5000, maxIterations: 100 });
    expect(r.cost).toBe(20);
    expect(r.routes.filter((x) => x.length > 0)).toHaveLength(2);
  });

  it('time windows force the farther client first', () => {
    // client 0 at 1 (window [10, 20]), client 1 at 2 (window [0, 3]): must visit 1 then 0
    const m = line([1, 2]);
    const p = createProblem({
      distance: m,
      duration: m,
      clientLocation: [1, 2],
      demandWeight: [0, 0],
      serviceTime: [0, 0],
      twEarly: [10, 0],
      twLate: [20, 3],
      required: [1, 1],
      unassignedPenalty: [1e9, 1e9],
      vehicleStart: [0],
      vehicleEnd: [0],
      capacityWeight: [10],
      shiftStart: [0],
      shiftEnd: [100],
    });
    const r = solveProblem(p, { timeLimitMs: 5000, maxIterations: 100 });
    expect(r.routes[0]).toEqual([1, 0]);
    expect(r.cost).toBe(4);
    const route = new RouteState(p, 0, [1, 0]);
    expect(route.timeWarp).toBe(0);
    // leave at 1, client 1 at 3, client 0 at 4 → wait to 10, back at 11: minimal duration 10
    expect(route.duration).toBe(10);
    expect(route.startTime).toBe(1);
    expect(new RouteState(p, 0, [0, 1]).timeWarp).toBeGreaterThan(0);
  });

  it('leaves an optional client out when its penalty is below the detour, serves a required one', () => {
    const m = line([100, 1]);
    const p = createProblem({
      distance: m,
      duration: m,
      clientLocation: [1, 2],
      demandWeight: [0, 0],
      serviceTime: [0, 0],
      twEarly: [0, 0],
      twLate: [1e9, 1e9],
      required: [0, 1],
      unassignedPenalty: [50, 1e9],
      vehicleStart: [0],
      vehicleEnd: [0],
      capacityWeight: [10],
      shiftStart: [0],
      shiftEnd: [1e9],
    });
    const r = solveProblem(p, { timeLimitMs: 5000, maxIterations: 50 });
    expect(r.unassigned).toEqual([0]);
    expect(r.cost).toBe(2 + 50);
  });

  it('respects vehicle/client compatibility (multi-depot)', () => {
    // depots at 0 and 10 (locations 0, 1); client at 9 loaded at depot 0 must use vehicle 0
    const xs = [0, 10, 9];
    const m = new Int32Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) m[i * 3 + j] = Math.abs(xs[i]! - xs[j]!);
    const p = createProblem({
      distance: m,
      duration: m,
      clientLocation: [2],
      demandWeight: [1],
      serviceTime: [0],
      twEarly: [0],
      twLate: [1e9],
      required: [1],
      unassignedPenalty: [1e9],
      clientGroup: [0],
      vehicleStart: [0, 1],
      vehicleEnd: [0, 1],
      vehicleGroup: [0, 1],
      capacityWeight: [10, 10],
      shiftStart: [0, 0],
      shiftEnd: [1e9, 1e9],
    });
    const r = solveProblem(p, { timeLimitMs: 5000, maxIterations: 50 });
    expect(r.routes[0]).toEqual([0]);
    expect(r.cost).toBe(18);
  });
});

describe('anytime checkpoints', () => {
  it('records the best solution so far at each checkpoint, non-increasing, the last one the final answer', () => {
    const xs = [0, 7, -3, 12, -9, 4, 15, -14, 2, 9];
    const n = xs.length;
    const m = new Int32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = Math.abs(xs[i]! - xs[j]!);
    const k = n - 1;
    const p = createProblem({
      distance: m,
      duration: m,
      clientLocation: Array.from({ length: k }, (_, i) => i + 1),
      demandWeight: new Array(k).fill(1),
      serviceTime: new Array(k).fill(0),
      twEarly: new Array(k).fill(0),
      twLate: new Array(k).fill(1e9),
      required: new Array(k).fill(1),
      unassignedPenalty: new Array(k).fill(1e9),
      vehicleStart: [0, 0, 0],
      vehicleEnd: [0, 0, 0],
      capacityWeight: [4, 4, 4],
      shiftStart: [0, 0, 0],
      shiftEnd: [1e9, 1e9, 1e9],
    });
    // a fake clock that advances 1 ms per reading: checkpoints at 5 and 50 ms fall inside the run,
    // the one at 1e9 ms only at its end
    let t = 0;
    const clock = () => t++;
    const r = solveProblem(p, {
      timeLimitMs: 1e12,
      maxIterations: 300,
      seed: 2,
      clock,
      checkpointsMs: [5, 50, 1e9],
    });
    const cps = r.checkpoints!;
    expect(cps.map((c) => c.atMs)).toEqual([5, 50, 1e9]);
    expect(cps[0]!.elapsedMs).toBeGreaterThanOrEqual(5);
    expect(cps[0]!.elapsedMs).toBeLessThan(50);
    for (let i = 1; i < cps.length; i++) expect(cps[i]!.cost).toBeLessThanOrEqual(cps[i - 1]!.cost);
    expect(cps[2]!.cost).toBe(r.cost);
    expect(cps[2]!.routes).toEqual(r.routes);
    for (const c of cps) {
      const served = c.routes.flat().sort((a, b) => a - b);
      expect(served).toEqual(Array.from({ length: k }, (_, i) => i));
      expect(c.unassigned).toEqual([]);
    }
    // the checkpoints do not change the search: same answer without them
    let t2 = 0;
    const plain = solveProblem(p, { timeLimitMs: 1e12, maxIterations: 300, seed: 2, clock: () => t2++ });
    expect(plain.routes).toEqual(r.routes);
  });
});
