import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  insertShipment,
  planRoutes,
  prewarmSolverWorkers,
  type ShipmentJobInput,
  shutdownSolverWorkers,
} from '../../../shared/solver';
import { timeLeft } from '../../../shared/solver/worker/solve-in-worker';
import { realisticInput } from '../../fixtures/solver/realistic';

afterAll(async () => {
  await shutdownSolverWorkers();
});

/** Polls until a loaded (warm) worker answers a solve: a tiny plan through the pool. */
async function warmPool() {
  prewarmSolverWorkers(1);
  const input = realisticInput({ shipments: 5, seed: 1 });
  await planRoutes(input, { timeLimitMs: 50, maxIterations: 10, seed: 1 });
}

describe('the real-time insertion runs in a solver worker thread', () => {
  it('keeps the caller’s event loop free while it repairs (in-thread it would block for 75 % of the budget)', async () => {
    await warmPool();
    const input = realisticInput({ shipments: 60, seed: 11 });
    const plan = await planRoutes(input, { timeLimitMs: 5000, maxIterations: 400, seed: 1, inThread: true });
    const depot = input.depots[0]!;
    const shipment: ShipmentJobInput = {
      id: 'URGENT-LOOP',
      originDepotId: depot.id,
      destination: { lat: depot.location.lat + 0.02, lon: depot.location.lon },
      weightKg: 10,
      serviceSeconds: 120,
      mustServe: true,
    };
    const budgetMs = 2000;
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const t = performance.now();
      maxGap = Math.max(maxGap, t - last);
      last = t;
    }, 10);
    const started = performance.now();
    const res = await insertShipment({ plan, input, now: input.planningStart }, shipment, budgetMs);
    const took = performance.now() - started;
    clearInterval(timer);
    maxGap = Math.max(maxGap, performance.now() - last); // a loop blocked to the end never ticked
    expect(res.routeVehicleId).toBeDefined();
    expect(took).toBeGreaterThan(budgetMs * 0.5); // it did repair for most of its budget
    expect(maxGap).toBeLessThan(budgetMs * 0.375); // and the loop kept ticking meanwhile
  });

  it('stops by the wall-clock deadline, whatever is left of the time limit', () => {
    const now = Date.now();
    expect(timeLeft({ timeLimitMs: 500 })).toBe(500);
    expect(timeLeft({ timeLimitMs: 500, deadlineEpochMs: now + 10_000 })).toBe(500);
    const short = timeLeft({ timeLimitMs: 500, deadlineEpochMs: now + 100 });
    expect(short).toBeLessThanOrEqual(100);
    expect(short).toBeGreaterThan(0);
    expect(timeLeft({ timeLimitMs: 500, deadlineEpochMs: now - 5 })).toBe(0);
  });

  it.runIf(process.platform === 'linux')(
    'SOLVER_THREAD_NICE lowers the solver threads’ priority, not the process’s',
    async () => {
      await shutdownSolverWorkers();
      const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      const threads = () =>
        readdirSync('/proc/self/task').map((tid) =>
          niceOf(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')),
        );
      const own = niceOf(readFileSync('/proc/thread-self/stat', 'utf8'));
      process.env.SOLVER_THREAD_NICE = String(Math.min(19, own + 5));
      try {
        await warmPool();
        expect(threads()).toContain(Math.min(19, own + 5));
        expect(niceOf(readFileSync('/proc/thread-self/stat', 'utf8'))).toBe(own);
      } finally {
        delete process.env.SOLVER_THREAD_NICE;
        await shutdownSolverWorkers();
      }
    },
  );
});
