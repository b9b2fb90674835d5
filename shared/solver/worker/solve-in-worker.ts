import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createProblem, type ProblemData } from '../model/problem';
import { type CoreSolution, solveProblem } from '../solve';

export interface WorkerSolveOptions {
  timeLimitMs: number;
  seed?: number;
  maxIterations?: number;
  onProgress?: (p: { elapsedMs: number; cost: number }) => void;
  /** Explicit worker entry file (e.g. the esbuild output `solver-worker.mjs`). */
  workerFile?: string;
}

export interface WorkerRequest {
  data: ProblemData;
  timeLimitMs: number;
  seed?: number;
  maxIterations?: number;
  progress: boolean;
}

export type WorkerMessage =
  | { type: 'progress'; elapsedMs: number; cost: number }
  | { type: 'result'; result: CoreSolution }
  | { type: 'error'; message: string };

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

/**
 * Solves in a worker thread so the caller's event loop stays free; falls back to an in-thread
 * solve when no worker entry is found or the worker cannot start. Same result as `solveProblem`
 * for the same seed and iteration count.
 */
export function solveInWorker(data: ProblemData, opts: WorkerSolveOptions): Promise<CoreSolution> {
  const file = resolveWorkerFile(opts.workerFile);
  if (!file) return Promise.resolve(inThread(data, opts));
  let worker: Worker;
  try {
    const execArgv = [...process.execArgv];
    if (file.endsWith('.ts') && !execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
    worker = new Worker(file, { execArgv });
  } catch {
    return Promise.resolve(inThread(data, opts));
  }
  return new Promise<CoreSolution>((resolve, reject) => {
    let settled = false;
    let started = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('online', () => {
      started = true;
    });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') opts.onProgress?.({ elapsedMs: m.elapsedMs, cost: m.cost });
      else if (m.type === 'result') finish(() => resolve(m.result));
      else finish(() => reject(new Error(m.message)));
    });
    worker.on('error', (err) => {
      // a worker that cannot load its module fails before doing any work: solve here instead
      finish(() => {
        try {
          resolve(inThread(data, opts));
        } catch (e) {
          reject(e ?? err);
        }
      });
    });
    worker.on('exit', () => {
      finish(() => resolve(inThread(data, opts)));
    });
    void started;
    const req: WorkerRequest = {
      data,
      timeLimitMs: opts.timeLimitMs,
      seed: opts.seed,
      maxIterations: opts.maxIterations,
      progress: opts.onProgress !== undefined,
    };
    worker.postMessage(req);
  });
}
