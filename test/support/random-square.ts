import type { Rng } from '../../shared/solver/util/random';

/**
 * A depot at (50, 50) and `n` clients at random integer points of a 100 × 100 square: the
 * locations' Euclidean distances, rounded down, as one N × N matrix (N = n + 1, the depot first).
 */
export function randomSquareMatrix(rng: Rng, n: number): Int32Array {
  const xs = [50];
  const ys = [50];
  for (let i = 0; i < n; i++) {
    xs.push(rng.int(100));
    ys.push(rng.int(100));
  }
  const N = n + 1;
  const m = new Int32Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) m[i * N + j] = Math.floor(Math.hypot(xs[i]! - xs[j]!, ys[i]! - ys[j]!));
  return m;
}
