import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planBlocks } from '../../../shared/solver';

describe('planBlocks', () => {
  it('covers every cell exactly once, every block within the limits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 150 }),
        fc.record({
          maxOrigins: fc.integer({ min: 1, max: 160 }),
          maxDestinations: fc.integer({ min: 1, max: 160 }),
          maxCells: fc.integer({ min: 1, max: 30_000 }),
        }),
        (m, n, limits) => {
          const seen = new Uint8Array(m * n);
          const tooLarge = planBlocks(m, n, limits).filter((b) => {
            const rows = b.o1 - b.o0;
            const cols = b.d1 - b.d0;
            for (let i = b.o0; i < b.o1; i++) for (let j = b.d0; j < b.d1; j++) seen[i * n + j]! += 1;
            return (
              rows < 1 ||
              cols < 1 ||
              rows > limits.maxOrigins ||
              cols > limits.maxDestinations ||
              rows * cols > limits.maxCells
            );
          });
          expect(tooLarge).toEqual([]);
          expect(seen.every((x) => x === 1)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('needs few requests at provider-sized limits', () => {
    const bounded = { maxOrigins: 500, maxDestinations: 500, maxCells: 160_000 };
    const unbounded = { maxOrigins: 15, maxDestinations: 100, maxCells: 100 };
    // 1,000 points bounded: 160,000 cells a request at most, so at least 7 requests; 8 is the best split
    expect(planBlocks(1000, 1000, bounded)).toHaveLength(8);
    // one new point of a 1,000-stop plan: a row and a column of two requests each
    expect(planBlocks(1, 1000, bounded)).toHaveLength(2);
    expect(planBlocks(1000, 1, bounded)).toHaveLength(2);
    // unbounded: 100 cells a request
    expect(planBlocks(30, 30, unbounded)).toHaveLength(9);
  });
});
