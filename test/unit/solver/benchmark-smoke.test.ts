import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInstance } from '../../../shared/solver/io/read-instance';
import { solveProblem } from '../../../shared/solver/solve';
import { checkSolution } from '../../bench/solver-checker';

const fx = (f: string): string => join(__dirname, '../../fixtures/solver', f);

describe('benchmark smoke (fixtures, a fixed iteration budget)', () => {
  for (const [file, optimum] of [
    ['C101-25.txt', 191.3],
    ['R201-25.txt', 463.3],
    ['A-n32-k5.vrp', 784],
  ] as const) {
    it(`${file}: feasible and within 3 % of the optimum ${optimum}`, () => {
      const inst = readInstance(fx(file));
      // an iteration cap, not a time limit: the outcome must not depend on the machine's load
      const res = solveProblem(inst.problem, { timeLimitMs: 600_000, maxIterations: 5000, seed: 1 });
      expect(res.unassigned).toEqual([]);
      const routes = res.routes.filter((r) => r.length > 0).map((r) => r.map((c) => inst.customerIds[c]!));
      const chk = checkSolution(fx(file), routes);
      expect(chk.errors).toEqual([]);
      expect(chk.cost).toBeCloseTo(res.cost / inst.scale, 6);
      expect(chk.cost).toBeLessThanOrEqual(optimum * 1.03);
      expect(chk.cost).toBeGreaterThanOrEqual(optimum - 1e-9);
    });
  }

  it('the checker catches an infeasible solution', () => {
    const chk = checkSolution(fx('C101-25.txt'), [
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
    ]);
    expect(chk.feasible).toBe(false);
    expect(chk.errors.some((e) => e.includes('customer 25 visited 0 times'))).toBe(true);
  });
});
