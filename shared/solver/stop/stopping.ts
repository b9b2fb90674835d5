/** Injected clock in milliseconds (default performance.now). */
export type Clock = () => number;

export const defaultClock: Clock = () => performance.now();

/** Stopping criterion: asked once per iteration; `progress` in [0, 1] drives the annealing schedule. */
export interface StoppingCriterion {
  shouldStop(iteration: number): boolean;
  /** Fraction of the budget used, in [0, 1]. */
  progress(iteration: number): number;
}

export function timeLimit(ms: number, clock: Clock = defaultClock): StoppingCriterion {
  const start = clock();
  return {
    shouldStop: () => clock() - start >= ms,
    progress: () => Math.min(1, (clock() - start) / Math.max(1, ms)),
  };
}

export function maxIterations(n: number): StoppingCriterion {
  return {
    shouldStop: (it) => it >= n,
    progress: (it) => Math.min(1, it / Math.max(1, n)),
  };
}

/** Stops when either stops; progress is the larger of the two. */
export function firstOf(a: StoppingCriterion, b: StoppingCriterion): StoppingCriterion {
  return {
    shouldStop: (it) => a.shouldStop(it) || b.shouldStop(it),
    progress: (it) => Math.max(a.progress(it), b.progress(it)),
  };
}
