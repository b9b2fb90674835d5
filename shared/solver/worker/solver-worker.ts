/** Worker-thread entry: serves WorkerRequests one at a time, posting progress and the result. */
import { parentPort } from 'node:worker_threads';
import { createProblem } from '../model/problem';
import { solveProblem } from '../solve';
import type { WorkerMessage, WorkerRequest } from './solve-in-worker';

parentPort?.on('message', (req: WorkerRequest) => {
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  const id = req.id;
  try {
    const result = solveProblem(createProblem(req.data), {
      timeLimitMs: req.timeLimitMs,
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
