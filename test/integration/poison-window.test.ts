import { describe, expect, it } from 'vitest';
import { runBatchJob } from '../../shared/domain/batching/batch-job';
import type { RoutingEngine } from '../../shared/domain/batching/batching-deps';
import type { JobQueue } from '../../shared/domain/batching/ports';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { detailOf } from '../../shared/domain/use-cases/recovery';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import type { BatchJob } from '../../shared/schemas/batching';
import { SHIPMENT_UNASSIGNED } from '../../shared/schemas/events';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps, realEngine } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

/** A region whose planning always throws, as a fleet lookup on a poisoned region did. */
const poisonedEngine = (poisoned: string): RoutingEngine => ({
  ...realEngine,
  planRoutes: (input, options) =>
    input.shipments.some((s) => s.id.includes(poisoned))
      ? Promise.reject(new TypeError("Cannot read properties of undefined (reading 'filter')"))
      : realEngine.planRoutes(input, options),
});

/**
 * The batch job queue as SQS runs it, on the virtual clock: a failed receive comes back after the
 * visibility timeout, the 5th failure moves the message to the DLQ.
 */
class SimulatedJobQueue implements JobQueue {
  messages: { job: BatchJob; visibleAt: number; receives: number }[] = [];
  readonly dlq: BatchJob[] = [];
  maxDepth = 0;
  constructor(
    private readonly clock: { now(): number },
    private readonly visibilityMs: number,
  ) {}
  async enqueue(job: BatchJob): Promise<void> {
    this.messages.push({ job, visibleAt: this.clock.now(), receives: 0 });
    this.maxDepth = Math.max(this.maxDepth, this.messages.length);
  }
  /** One poll: every visible message is received once and handed to `handle`. */
  async pump(handle: (job: BatchJob, receive: { count: number; max: number }) => Promise<unknown>) {
    for (const message of this.messages.filter((m) => m.visibleAt <= this.clock.now())) {
      message.receives++;
      try {
        await handle(message.job, { count: message.receives, max: 5 });
        this.messages = this.messages.filter((m) => m !== message);
      } catch {
        if (message.receives >= 5) {
          this.messages = this.messages.filter((m) => m !== message);
          this.dlq.push(message.job);
        } else message.visibleAt = this.clock.now() + this.visibilityMs;
      }
    }
  }
}

let seq = 0;
async function submit(deps: ReturnType<typeof batchingDeps>['deps'], region: string) {
  seq++;
  const body = sampleShipment({
    shipmentId: `PW-${region}-${seq}`,
    region,
    timeWindow: undefined,
    origin: { depotId: `DEPOT-${region}`, lat: 59.33, lon: 18.06 },
    destination: { lat: 59.3 + (seq % 7) * 0.01, lon: 18.0 + (seq % 5) * 0.01 },
  });
  const { state } = await submitShipment(
    { body, correlationId: `c-${body.shipmentId}`, mode: 'create' },
    deps,
  );
  await enqueueShipment(detailOf(state, `evt-${body.shipmentId}`, state.updatedAt), deps);
  return body.shipmentId;
}

describe('a window whose optimization always fails', () => {
  it('is retried by its job queue a bounded number of times, reaches the DLQ once, and gives its shipments up visibly while another region is planned', async () => {
    const poisoned = 'poison-1';
    const healthy = 'healthy-1';
    const { deps, clock, publisher } = batchingDeps(dynamo.client, { engine: poisonedEngine(poisoned) });
    const queue = new SimulatedJobQueue(clock, deps.settings.jobRetryMs);
    deps.jobs = queue;
    const bad = [await submit(deps, poisoned), await submit(deps, poisoned)];
    const good = [await submit(deps, healthy), await submit(deps, healthy)];

    let attempts = 0;
    // Three hours of 0.5 s ticks would be 21,600; a tick every 30 s of clock time shows the same.
    for (let t = 0; t < 3 * 3600_000; t += 30_000) {
      await clock.advance(30_000);
      await closeDueWindows(deps);
      await queue.pump((job, receive) => {
        if (job.region === poisoned) attempts++;
        return runBatchJob(job, receive, deps);
      });
    }

    for (const id of good) expect((await deps.store.get(id))?.status).toBe('OPTIMIZED');
    expect(attempts).toBe(5); // the job's own receives, never duplicated by the tick
    expect(queue.dlq.map((j) => j.region)).toEqual([poisoned]);
    expect(queue.maxDepth).toBeLessThanOrEqual(2);
    expect(queue.messages).toHaveLength(0);
    const window = await deps.windows.get(queue.dlq[0]?.windowId ?? '');
    expect(window).toMatchObject({ status: 'FAILED', attempts: 5 });
    expect(window?.failureReason).toContain("reading 'filter'");
    for (const id of bad) {
      const state = await deps.store.get(id);
      expect(state?.status).toBe('STALE');
      expect(state?.statusReason).toContain('was given up');
      expect(state?.statusReason).toContain("reading 'filter'");
      const told = publisher.published.filter(
        (m) => m.detailType === SHIPMENT_UNASSIGNED && m.detail.shipmentId === id,
      );
      expect(told).toHaveLength(1);
      expect(told[0]?.detail.reason).toBe(state?.statusReason);
    }
  });

  it('re-sends a lost job with growing delays, a bounded number of times, then gives the window up', async () => {
    const region = 'lost-1';
    const { deps, jobs, clock } = batchingDeps(dynamo.client);
    const id = await submit(deps, region);
    const sentAt: number[] = [];
    for (let t = 0; t < 6 * 3600_000; t += 30_000) {
      await clock.advance(30_000);
      const before = jobs.jobs.filter((j) => j.region === region).length;
      await closeDueWindows(deps); // the jobs go nowhere: no optimizer ever sees them
      if (jobs.jobs.filter((j) => j.region === region).length > before) sentAt.push(clock.now());
    }
    // The close, then 3 re-sends at growing intervals.
    expect(sentAt).toHaveLength(1 + deps.settings.maxWindowResends);
    const gaps = sentAt.slice(1).map((at, i) => at - (sentAt[i] ?? 0));
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThan(gaps[i - 1] ?? 0);
    const window = await deps.windows.get(jobs.jobs.find((j) => j.region === region)?.windowId ?? '');
    expect(window).toMatchObject({ status: 'FAILED', resends: 3 });
    const state = await deps.store.get(id);
    expect(state?.status).toBe('STALE');
    expect(state?.statusReason).toContain('no optimization finished');
  });
});
