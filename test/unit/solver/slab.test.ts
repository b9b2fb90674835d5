import { describe, expect, it } from 'vitest';
import { float64s, int32s } from '../../../shared/solver/evaluation/slab';

describe('route array slabs', () => {
  it('hands out zero-filled arrays that never overlap', () => {
    const arrays: (Int32Array | Float64Array)[] = [];
    for (let k = 0; k < 2000; k++) {
      const a = k % 2 === 0 ? int32s(1 + (k % 37)) : float64s(1 + (k % 53));
      expect(a.every((x) => x === 0)).toBe(true);
      a.fill(k + 1);
      arrays.push(a);
    }
    // every array still holds what was written into it: no later array shared its bytes
    arrays.forEach((a, k) => {
      expect(a.every((x) => x === k + 1)).toBe(true);
    });
  });

  it('gives large arrays a buffer of their own and aligns views for doubles', () => {
    const big = float64s(5000);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(40_000);
    int32s(3);
    const d = float64s(4);
    expect(d.byteOffset % 8).toBe(0);
  });
});
