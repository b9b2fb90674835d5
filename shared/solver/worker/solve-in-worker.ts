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
  progress: boolean;
}

export type WorkerMessage =
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
  return solveProblem(createProblem(data), opts);
}

/** Idle workers kept (unref'd, so they never keep the process alive) for the next solve. */
const MAX_IDLE_WORKERS = 2;
const idle = new Map<string, Worker[]>();
let nextRequestId = 1;

function spawn(file: string): Worker {
  const execArgv = [...process.execArgv];
  if (file.endsWith('.ts') && !execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
  return new Worker(file, { execArgv });
}

function takeWorker(file: string): Worker {
  const pool = idle.get(file);
  const w = pool?.pop();
  if (w) {
    w.ref();
    return w;
  }
  return spawn(file);
}

function detach(w: Worker): void {
  // only our listeners: Worker keeps internal ones (e.g. newListener) that must survive
  w.removeAllListeners('message');
  w.removeAllListeners('error');
  w.removeAllListeners('exit');
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
  let worker: Worker;
  try {
    worker = takeWorker(file);
  } catch {
    return Promise.resolve(inThread(data, opts));
  }
  const id = nextRequestId++;
  return new Promise<CoreSolution>((resolve, reject) => {
    let settled = false;
    const fallback = (): void => {
      if (settled) return;
      settled = true;
      detach(worker);
      void worker.terminate();
      // a worker that cannot load its module fails before doing any work: solve here instead
      try {
        resolve(inThread(data, opts));
      } catch (e) {
        reject(e);
      }
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.id !== id || settled) return;
      if (m.type === 'progress') {
        opts.onProgress?.({ elapsedMs: m.elapsedMs, cost: m.cost });
        return;
      }
      settled = true;
      release(file, worker);
      if (m.type === 'result') resolve(m.result);
      else reject(new Error(m.message));
    });
    worker.on('error', fallback);
    worker.on('exit', fallback);
    const req: WorkerRequest = {
      id,
      data,
      timeLimitMs: opts.timeLimitMs,
      seed: opts.seed,
      maxIterations: opts.maxIterations,
      maxIterationsWithoutImprovement: opts.maxIterationsWithoutImprovement,
      ...(opts.initialRoutes ? { initialRoutes: opts.initialRoutes } : {}),
      ...(opts.fixed ? { fixed: opts.fixed } : {}),
      progress: opts.onProgress !== undefined,
    };
    worker.postMessage(req);
  });
}
