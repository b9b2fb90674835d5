/** Worker-thread entry: receives one WorkerRequest, posts progress messages and the result. */
import { parentPort } from 'node:worker_threads';
import { createProblem } from '../model/problem';
import { solveProblem } from '../solve';
import type { WorkerMessage, WorkerRequest } from './solve-in-worker';

parentPort?.once('message', (req: WorkerRequest) => {
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  try {
    const result = solveProblem(createProblem(req.data), {
      timeLimitMs: req.timeLimitMs,
      seed: req.seed,
      maxIterations: req.maxIterations,
      onProgress: req.progress
        ? ({ elapsedMs, cost }) => post({ type: 'progress', elapsedMs, cost })
        : undefined,
    });
    post({ type: 'result', result });
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
});
