import { describe, expect, it } from 'vitest';
import { type BatchingMetrics, noMetrics } from '../../shared/domain/batching/batching-deps';
import { optimizeWindow } from '../../shared/domain/batching/optimize-window';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { detailOf } from '../../shared/domain/use-cases/recovery';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

describe('batch optimization metrics', () => {
  it('reports each optimized window with its priority and its wall-clock seconds (OptimizationSeconds)', async () => {
    const calls: Parameters<BatchingMetrics['batchOptimized']>[0][] = [];
    const { deps, jobs, clock } = batchingDeps(dynamo.client, {
      metrics: { ...noMetrics, batchOptimized: (v) => calls.push(v) },
    });
    for (let i = 0; i < 6; i++) {
      const body = sampleShipment({
        shipmentId: `M-${i}`,
        region: 'metrics-1',
        serviceLevel: 'NEXT_DAY',
        timeWindow: undefined,
        destination: { lat: 59.3 + i * 0.01, lon: 18.0 + i * 0.01 },
      });
      const { state } = await submitShipment({ body, correlationId: `c-${i}`, mode: 'create' }, deps);
      await enqueueShipment(detailOf(state, `evt-${i}`, state.updatedAt), deps);
    }
    await clock.advance(600_000);
    await closeDueWindows(deps);
    const job = jobs.jobs.find((j) => j.region === 'metrics-1');
    if (!job) throw new Error('no job');
    const t0 = performance.now();
    expect((await optimizeWindow(job, deps)).kind).toBe('optimized');
    const wall = (performance.now() - t0) / 1000;
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call).toMatchObject({ priority: 'STANDARD', region: 'metrics-1', shipments: 6 });
    // The whole optimization (lease, plan, writes): more than the solver alone, at most the wall time.
    expect(call?.seconds).toBeGreaterThanOrEqual(call?.solverSeconds ?? 0);
    expect(call?.seconds).toBeLessThanOrEqual(wall);
  });
});
