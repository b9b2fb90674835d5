import type { Problem } from './model/problem';
import { searchSisr } from './search/sisr';
import { Solution } from './search/solution';
import {
  type Clock,
  defaultClock,
  firstOf,
  maxIterations,
  type StoppingCriterion,
  timeLimit,
} from './stop/stopping';
import { Rng } from './util/random';

export interface CoreSolveOptions {
  timeLimitMs: number;
  seed?: number;
  /** Iteration cap; with a generous time limit the run is fully deterministic for a seed. */
  maxIterations?: number;
  clock?: Clock;
  stop?: StoppingCriterion;
  onProgress?: (p: { elapsedMs: number; cost: number; iteration: number }) => void;
  /** Stop once the best solution has not improved for this many iterations. */
  maxIterationsWithoutImprovement?: number;
  /** Warm start: one client sequence per vehicle. */
  initialRoutes?: ArrayLike<number>[];
  /** Clients the search must not move (1 = fixed): they keep their vehicle and order. */
  fixed?: ArrayLike<number>;
  /**
   * Anytime curve: elapsed times (ms since the start, ascending) at which to record the best
   * solution so far (`CoreSolution.checkpoints`); checkpoints past the end get the final best.
   */
  checkpointsMs?: readonly number[];
}

export interface Checkpoint {
  /** The checkpoint asked for. */
  atMs: number;
  /** When it was recorded (the first iteration boundary at or after `atMs`). */
  elapsedMs: number;
  cost: number;
  routes: number[][];
  unassigned: number[];
}

export interface CoreSolution {
  /** Client indices per vehicle (index = vehicle). */
  routes: number[][];
  unassigned: number[];
  cost: number;
  iterations: number;
  elapsedMs: number;
  /** Present when `checkpointsMs` was given: one entry per checkpoint, in order. */
  checkpoints?: Checkpoint[];
}

/** Synchronous core solve on a validated problem. Deterministic for (seed, iterations). */
export function solveProblem(problem: Problem, options: CoreSolveOptions): CoreSolution {
  const clock = options.clock ?? defaultClock;
  const t0 = clock();
  let stop = options.stop ?? timeLimit(options.timeLimitMs, clock);
  if (options.maxIterations !== undefined) stop = firstOf(stop, maxIterations(options.maxIterations));
  const rng = new Rng(options.seed ?? 1);
  const onProgress = options.onProgress;
  const cpMs = options.checkpointsMs;
  const recorded: Checkpoint[] = [];
  const checkpoints = cpMs
    ? {
        due: () => recorded.length < cpMs.length && clock() - t0 >= cpMs[recorded.length]!,
        pending: () => recorded.length < cpMs.length,
        record: (best: Solution, cost: number) => {
          recorded.push({
            atMs: cpMs[recorded.length]!,
            elapsedMs: clock() - t0,
            cost,
            routes: best.toRoutes(),
            unassigned: best.unassigned(),
          });
        },
      }
    : undefined;
  const res = searchSisr(problem, {
    checkpoints,
    rng,
    stop,
    maxIterationsWithoutImprovement: options.maxIterationsWithoutImprovement,
    initial: options.initialRoutes ? Solution.fromRoutes(problem, options.initialRoutes) : undefined,
    fixed: options.fixed ? Uint8Array.from(options.fixed) : undefined,
    onImprove: onProgress
      ? (cost, iteration) => onProgress({ elapsedMs: clock() - t0, cost, iteration })
      : undefined,
  });
  return {
    routes: res.best.toRoutes(),
    unassigned: res.best.unassigned(),
    cost: res.bestCost,
    iterations: res.iterations,
    elapsedMs: clock() - t0,
    ...(checkpoints ? { checkpoints: recorded } : {}),
  };
}
