/** Worker-thread entry: serves WorkerRequests one at a time, posting progress and the result. */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { createProblem } from '../model/problem';
import { solveProblem } from '../solve';
import { timeLeft, type WorkerMessage, type WorkerRequest } from './solve-in-worker';

lowerThreadPriority();

/**
 * SOLVER_THREAD_NICE=N (the local runtime sets 10): this solver thread runs at that niceness, so a
 * process that also serves an API (the local runtime: every function in one process) keeps
 * answering while solvers use the cores. Linux only (a thread's id is /proc/thread-self); elsewhere,
 * or without the variable, nothing changes.
 */
function lowerThreadPriority(): void {
  const nice = Number(process.env.SOLVER_THREAD_NICE);
  if (!Number.isInteger(nice) || nice <= 0 || nice > 19) return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    // not Linux, or not allowed: the thread keeps the process's priority
  }
}

parentPort?.on('message', (req: WorkerRequest) => {
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  const id = req.id;
  try {
    const result = solveProblem(createProblem(req.data), {
      timeLimitMs: timeLeft(req),
      seed: req.seed,
      maxIterations: req.maxIterations,
      maxIterationsWithoutImprovement: req.maxIterationsWithoutImprovement,
      initialRoutes: req.initialRoutes,
      fixed: req.fixed,
      onProgress: req.progress
        ? ({ elapsedMs, cost }) => post({ id, type: 'progress', elapsedMs, cost })
        : undefined,
    });
    post({ id, type: 'result', result });
  } catch (e) {
    post({ id, type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
});

// The module has loaded: the pool may hand this worker deadline-bound (real-time) solves.
parentPort?.postMessage({ type: 'ready' } satisfies WorkerMessage);
