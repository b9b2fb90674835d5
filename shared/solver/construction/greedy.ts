import type { Problem } from '../model/problem';
import type { Recreate } from '../search/recreate';
import { Solution } from '../search/solution';
import type { Rng } from '../util/random';

/**
 * Initial solution: every client inserted at its cheapest feasible position (the recreate step
 * applied to the empty solution), in order of latest service start (random among ties).
 */
export function greedyConstruction(p: Problem, recreate: Recreate, rng: Rng): Solution {
  const s = new Solution(p);
  const all: number[] = [];
  for (let i = 0; i < p.nClients; i++) all.push(i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  all.sort((u, v) => p.twLate[u]! - p.twLate[v]!);
  recreate.run(s, all, rng);
  return s;
}
