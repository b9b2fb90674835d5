import { createProblem, type Problem } from '../model/problem';

/** A classic benchmark instance: node 0..n (file order), depot first, plus the id each node has in the file. */
export interface BenchmarkInstance {
  name: string;
  kind: 'solomon' | 'vrplib';
  /** File ids of the customers, index = client index. */
  customerIds: number[];
  /** Distance scale: reported cost = internal cost / scale. */
  scale: number;
  vehicles: number;
  problem: Problem;
}

export function euclidMatrix(xs: number[], ys: number[], f: (d: number) => number): Int32Array {
  const n = xs.length;
  const m = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = xs[i]! - xs[j]!;
      const dy = ys[i]! - ys[j]!;
      m[i * n + j] = f(Math.sqrt(dx * dx + dy * dy));
    }
  }
  return m;
}

export { createProblem };
