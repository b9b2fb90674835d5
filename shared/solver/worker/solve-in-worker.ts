import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createProblem, type ProblemData } from '../model/problem';
import { type CoreSolution, solveProblem } from '../solve';

export interface WorkerSolveOptions {
  timeLimitMs: number;
  seed?: number;
  maxIterations?: number;
  maxIterationsWithoutImprovement?: number;
  onProgress?: (p: { elapsedMs: number; cost: number }) => void;
  /** Warm start: one client sequence per vehicle. */
  initialRoutes?: number[][];
  /** Clients the search must not move (1 = fixed). */
  fixed?: number[];
  /** Explicit worker entry file (e.g. the esbuild output `solver-worker.mjs`). */
  workerFile?: string;
  /**
   * Wall-clock deadline (epoch ms, `Date.now()`): the worker stops by then even when starting it or
   * handing it the problem took part of `timeLimitMs` (the real-time path's budget).
   */
  deadlineEpochMs?: number;
  /**
   * Only a worker that has loaded its module (prewarmSolverWorkers, or one that solved before):
   * when none is idle the solve runs on the caller's thread, and one is started for the next call.
   */
  warmOnly?: boolean;
}

export interface WorkerRequest {
  id: number;
  data: ProblemData;
  timeLimitMs: number;
  seed?: number;
  maxIterations?: number;
  maxIterationsWithoutImprovement?: number;
  initialRoutes?: number[][];
  fixed?: number[];
  deadlineEpochMs?: number;
  progress: boolean;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { id: number; type: 'progress'; elapsedMs: number; cost: number }
  | { id: number; type: 'result'; result: CoreSolution }
  | { id: number; type: 'error'; message: string };

/**
 * Finds the worker entry: explicit option, SOLVER_WORKER_FILE, then `solver-worker.{ts,mjs,js}`
 * next to this module (source tree under tsx) or in LAMBDA_TASK_ROOT (esbuild bundle, where the
 * worker is emitted as a second entry point).
 */
export function resolveWorkerFile(explicit?: string): string | undefined {
  const candidates: string[] = [];
  if (explicit) candidates.push(explicit);
  if (process.env.SOLVER_WORKER_FILE) candidates.push(process.env.SOLVER_WORKER_FILE);
  try {
    const here = import.meta.url;
    if (typeof here === 'string' && here.startsWith('file:')) {
      for (const f of ['./solver-worker.ts', './solver-worker.mjs', './solver-worker.js']) {
        candidates.push(fileURLToPath(new URL(f, here)));
      }
    }
  } catch {
    // not an ES module URL (e.g. CJS bundle)
  }
  const root = process.env.LAMBDA_TASK_ROOT;
  if (root) candidates.push(`${root}/solver-worker.mjs`, `${root}/solver-worker.js`);
  return candidates.find((c) => existsSync(c));
}

function inThread(data: ProblemData, opts: WorkerSolveOptions): CoreSolution {
  return solveProblem(createProblem(data), { ...opts, timeLimitMs: timeLeft(opts) });
}

/** The time limit, shortened to what is left before the deadline (never negative). */
export function timeLeft(opts: Pick<WorkerSolveOptions, 'timeLimitMs' | 'deadlineEpochMs'>): number {
  if (opts.deadlineEpochMs === undefined) return opts.timeLimitMs;
  return Math.max(0, Math.min(opts.timeLimitMs, opts.deadlineEpochMs - Date.now()));
}

/** Idle workers kept (unref'd, so they never keep the process alive) for the next solve. */
const MAX_IDLE_WORKERS = 2;
const idle = new Map<string, Worker[]>();
/** Workers whose module has loaded (they posted `ready`, or answered a request). */
const warm = new WeakSet<Worker>();
let nextRequestId = 1;

function spawn(file: string): Worker {
  const execArgv = [...process.execArgv];
  if (file.endsWith('.ts') && !execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
  const w = new Worker(file, { execArgv });
  watchReady(w);
  return w;
}

function watchReady(w: Worker): void {
  if (warm.has(w)) return;
  w.on('message', (m: WorkerMessage) => {
    if (m.type === 'ready') warm.add(w);
  });
}

function takeWorker(file: string, warmOnly: boolean): Worker | undefined {
  const pool = idle.get(file) ?? [];
  const i = warmOnly ? pool.findLastIndex((w) => warm.has(w)) : pool.length - 1;
  const w = i >= 0 ? pool.splice(i, 1)[0] : undefined;
  if (w) {
    w.ref();
    return w;
  }
  return warmOnly ? undefined : spawn(file);
}

function detach(w: Worker): void {
  // only our listeners: Worker keeps internal ones (e.g. newListener) that must survive
  w.removeAllListeners('message');
  w.removeAllListeners('error');
  w.removeAllListeners('exit');
  watchReady(w);
}

function release(file: string, w: Worker): void {
  detach(w);
  const pool = idle.get(file) ?? [];
  if (pool.length >= MAX_IDLE_WORKERS) {
    void w.terminate();
    return;
  }
  w.unref();
  w.once('exit', () => {
    const p = idle.get(file);
    const i = p?.indexOf(w) ?? -1;
    if (p && i >= 0) p.splice(i, 1);
  });
  pool.push(w);
  idle.set(file, pool);
}

/**
 * Starts up to `count` solver workers ahead of need (idle, unref'd), so the first real-time
 * insertion does not spend its budget loading the worker's module. Answers how many are idle.
 */
export function prewarmSolverWorkers(count = 1): number {
  const file = resolveWorkerFile();
  if (!file) return 0;
  const want = Math.min(count, MAX_IDLE_WORKERS);
  try {
    while ((idle.get(file)?.length ?? 0) < want) release(file, spawn(file));
  } catch {
    // a worker cannot start here: solves fall back to the caller's thread
  }
  return idle.get(file)?.length ?? 0;
}

/** Terminates the idle solver workers (e.g. before a Lambda freeze or at test teardown). */
export async function shutdownSolverWorkers(): Promise<void> {
  const all = [...idle.values()].flat();
  idle.clear();
  await Promise.all(all.map((w) => w.terminate()));
}

/**
 * Solves in a worker thread so the caller's event loop stays free; falls back to an in-thread
 * solve when no worker entry is found or the worker cannot start. Workers are reused across
 * calls (spawning one costs ~100 ms under tsx). Same result as `solveProblem` for the same seed
 * and iteration count.
 */
export function solveInWorker(data: ProblemData, opts: WorkerSolveOptions): Promise<CoreSolution> {
  const file = resolveWorkerFile(opts.workerFile);
  if (!file) return Promise.resolve(inThread(data, opts));
  let worker: Worker | undefined;
  try {
    worker = takeWorker(file, opts.warmOnly === true);
  } catch {
    worker = undefined;
  }
  if (!worker) {
    if (opts.warmOnly) prewarmSolverWorkers(1); // for the next call
    return Promise.resolve(inThread(data, opts));
  }
  const taken = worker;
  const id = nextRequestId++;
  return new Promise<CoreSolution>((resolve, reject) => {
    let settled = false;
    const fallback = (): void => {
      if (settled) return;
      settled = true;
      detach(taken);
      void taken.terminate();
      // a worker that cannot load its module fails before doing any work: solve here instead
      try {
        resolve(inThread(data, opts));
      } catch (e) {
        reject(e);
      }
    };
    taken.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready' || m.id !== id || settled) return;
      if (m.type === 'progress') {
        opts.onProgress?.({ elapsedMs: m.elapsedMs, cost: m.cost });
        return;
      }
      settled = true;
      warm.add(taken);
      release(file, taken);
      if (m.type === 'result') resolve(m.result);
      else reject(new Error(m.message));
    });
    taken.on('error', fallback);
    taken.on('exit', fallback);
    const req: WorkerRequest = {
      id,
      data,
      timeLimitMs: opts.timeLimitMs,
      seed: opts.seed,
      maxIterations: opts.maxIterations,
      maxIterationsWithoutImprovement: opts.maxIterationsWithoutImprovement,
      ...(opts.initialRoutes ? { initialRoutes: opts.initialRoutes } : {}),
      ...(opts.fixed ? { fixed: opts.fixed } : {}),
      ...(opts.deadlineEpochMs !== undefined ? { deadlineEpochMs: opts.deadlineEpochMs } : {}),
      progress: opts.onProgress !== undefined,
    };
    taken.postMessage(req);
  });
}
