import { describe, expect, it } from 'vitest';
import type { RoutingEngine } from '../../shared/domain/batching/batching-deps';
import { optimizeWindow, RegionBusyError } from '../../shared/domain/batching/optimize-window';
import { optimizeQueuedUrgent } from '../../shared/domain/batching/urgent-queue';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { detailOf as announce } from '../../shared/domain/use-cases/recovery';
import { commit, submitShipment } from '../../shared/domain/use-cases/shipments';
import type { ShipmentEventDetail } from '../../shared/schemas/events';
import { ROUTE_OPTIMIZED } from '../../shared/schemas/events';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { ShipmentState } from '../../shared/schemas/state';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps, realEngine } from '../support/batching-deps';
import { dynamoForSuite } from '../support/dynamo';

const dynamo = dynamoForSuite();

const detailOf = (s: ShipmentState): ShipmentEventDetail =>
  announce(s, `evt-${s.shipmentId}-${s.revision}`, s.updatedAt);

let seq = 0;
function shipment(region: string, overrides: Partial<ShipmentBody> = {}): ShipmentBody {
  seq++;
  return sampleShipment({
    shipmentId: `B-${region}-${seq}`,
    region,
    timeWindow: undefined,
    destination: { lat: 59.3 + (seq % 17) * 0.01, lon: 18.0 + (seq % 13) * 0.01 },
    ...overrides,
  });
}

async function submitAndEnqueue(deps: ReturnType<typeof batchingDeps>['deps'], body: ShipmentBody) {
  const { state } = await submitShipment(
    { body, correlationId: `c-${body.shipmentId}`, mode: 'create' },
    deps,
  );
  return enqueueShipment(detailOf(state), deps);
}

describe('windows on a virtual clock', () => {
  it('closes a window on time, not before', async () => {
    const { deps, jobs, clock } = batchingDeps(dynamo.client);
    const region = 'time-1';
    await submitAndEnqueue(deps, shipment(region));
    await clock.advance(5 * 60_000);
    await submitAndEnqueue(deps, shipment(region));
    await clock.advance(4 * 60_000 + 59_000);
    await closeDueWindows(deps);
    expect(jobs.jobs.filter((j) => j.region === region)).toHaveLength(0);
    await clock.advance(1_000);
    await closeDueWindows(deps);
    const closed = jobs.jobs.filter((j) => j.region === region);
    expect(closed).toHaveLength(1);
    expect(await deps.windows.members(closed[0]?.windowId ?? '')).toHaveLength(2);
    // A second tick does not close it again.
    await closeDueWindows(deps);
    expect(jobs.jobs.filter((j) => j.region === region)).toHaveLength(1);
  });

  it('closes a window early when it is full, and opens the next one', async () => {
    const { deps, jobs } = batchingDeps(dynamo.client, {});
    deps.settings = { ...deps.settings, maxBatchSize: 5 };
    const region = 'full-1';
    const outcomes = [];
    for (let i = 0; i < 7; i++) outcomes.push(await submitAndEnqueue(deps, shipment(region)));
    const closed = jobs.jobs.filter((j) => j.region === region);
    expect(closed).toHaveLength(1);
    expect(await deps.windows.members(closed[0]?.windowId ?? '')).toHaveLength(5);
    expect(outcomes.filter((o) => o.kind === 'added' && o.closedEarly)).toHaveLength(1);
    const windowIds = new Set(outcomes.map((o) => (o.kind === 'skipped' ? '' : o.windowId)));
    expect(windowIds.size).toBe(2);
  });

  it('keeps regions apart and STANDARD and BULK windows independent', async () => {
    const { deps, jobs, clock } = batchingDeps(dynamo.client);
    deps.settings = { ...deps.settings, windowMs: { URGENT: 60_000, STANDARD: 600_000, BULK: 1_200_000 } };
    const a = await submitAndEnqueue(deps, shipment('apart-a'));
    const b = await submitAndEnqueue(deps, shipment('apart-b'));
    const bulk = await submitAndEnqueue(deps, shipment('apart-a', { serviceLevel: 'ECONOMY' }));
    const ids = [a, b, bulk].map((o) => (o.kind === 'added' ? o.windowId : ''));
    expect(new Set(ids).size).toBe(3);
    await clock.advance(600_000);
    await closeDueWindows(deps);
    const mine = jobs.jobs.filter((j) => j.region.startsWith('apart-'));
    expect(mine.map((j) => `${j.region}/${j.priority}`).sort()).toEqual([
      'apart-a/STANDARD',
      'apart-b/STANDARD',
    ]);
    await clock.advance(600_000);
    await closeDueWindows(deps);
    expect(
      jobs.jobs.filter((j) => j.region.startsWith('apart-')).map((j) => `${j.region}/${j.priority}`),
    ).toContain('apart-a/BULK');
  });

  it('adds a shipment delivered twice (same version) once', async () => {
    const { deps } = batchingDeps(dynamo.client);
    const body = shipment('dup-1');
    const { state } = await submitShipment({ body, correlationId: 'c', mode: 'create' }, deps);
    const first = await enqueueShipment(detailOf(state), deps);
    const second = await enqueueShipment(detailOf(state), deps);
    const third = await enqueueShipment({ ...detailOf(state), eventId: 'another-event' }, deps);
    expect(first.kind).toBe('added');
    expect(second.kind).toBe('duplicate');
    expect(third.kind).toBe('duplicate');
    const windowId = first.kind === 'added' ? first.windowId : '';
    expect(await deps.windows.members(windowId)).toHaveLength(1);
    expect((await deps.windows.get(windowId))?.count).toBe(1);
  });

  it('skips outdated messages: superseded versions, cancelled or URGENT shipments', async () => {
    const { deps } = batchingDeps(dynamo.client);
    const body = shipment('skip-1');
    const { state } = await submitShipment({ body, correlationId: 'c', mode: 'create' }, deps);
    await submitShipment({ body: { ...body, version: 2 }, correlationId: 'c', mode: 'create' }, deps);
    expect((await enqueueShipment(detailOf(state), deps)).kind).toBe('skipped');
  });
});

describe('batch optimization', () => {
  it('optimizes a window into consolidated routes and records the batch with its consolidation gain', async () => {
    const { deps, jobs, clock, publisher } = batchingDeps(dynamo.client);
    const region = 'opt-1';
    for (let i = 0; i < 12; i++) await submitAndEnqueue(deps, shipment(region));
    await clock.advance(600_000);
    await closeDueWindows(deps);
    const job = jobs.jobs.find((j) => j.region === region);
    if (!job) throw new Error('no job');
    const outcome = await optimizeWindow(job, deps);
    expect(outcome.kind).toBe('optimized');
    if (outcome.kind !== 'optimized') return;
    const batch = outcome.batch;
    expect(batch.shipmentIds).toHaveLength(12);
    expect(batch.optimized).toBe(12);
    expect(batch.routeIds.length).toBeLessThan(12);
    expect(batch.distanceMeters).toBeLessThan(batch.soloDistanceMeters);
    expect(batch.consolidationGainPct).toBeGreaterThan(0);
    expect(await deps.batches.getBatch(batch.batchId)).toEqual(batch);
    const routed = new Map<string, number>();
    for (const routeId of batch.routeIds) {
      for (const stop of (await deps.batches.getRoute(routeId))?.stops ?? [])
        routed.set(stop.shipmentId, (routed.get(stop.shipmentId) ?? 0) + 1);
    }
    expect([...routed.values()].every((n) => n === 1)).toBe(true);
    expect(routed.size).toBe(12);
    for (const id of batch.shipmentIds) {
      const state = await deps.store.get(id);
      expect(state?.status).toBe('OPTIMIZED');
      expect(batch.routeIds).toContain(state?.route?.routeId);
    }
    const announced = publisher.published.filter(
      (m) => m.detailType === 'route.optimized' && batch.shipmentIds.includes(String(m.detail.shipmentId)),
    );
    expect(announced).toHaveLength(12);
    expect((await deps.windows.get(job.windowId))?.status).toBe('CLOSED');
    // Re-running the job is a no-op.
    expect((await optimizeWindow(job, deps)).kind).toBe('noop');
  });

  it('discards the result of a version superseded during optimization and optimizes the new version in the next window', async () => {
    const region = 'stale-1';
    const body = shipment(region);
    let during: (() => Promise<void>) | undefined;
    const engine: RoutingEngine = {
      ...realEngine,
      planRoutes: async (input, options) => {
        await during?.();
        during = undefined;
        return realEngine.planRoutes(input, options);
      },
    };
    const { deps, jobs, clock } = batchingDeps(dynamo.client, { engine });
    await submitAndEnqueue(deps, body);
    await submitAndEnqueue(deps, shipment(region));
    await clock.advance(600_000);
    await closeDueWindows(deps);
    const first = jobs.jobs.find((j) => j.region === region);
    if (!first) throw new Error('no job');
    during = async () => {
      // The SCM sends version 2 while version 1 is being optimized.
      const { state } = await submitShipment(
        { body: { ...body, version: 2, weightKg: 30 }, correlationId: 'c-v2', mode: 'create' },
        deps,
      );
      await enqueueShipment(detailOf(state), deps);
    };
    const outcome = await optimizeWindow(first, deps);
    expect(outcome.kind === 'optimized' && outcome.batch.stale).toEqual([body.shipmentId]);
    const afterFirst = await deps.store.get(body.shipmentId);
    expect(afterFirst).toMatchObject({ version: 2, status: 'QUEUED' });
    expect(afterFirst?.route).toBeUndefined();

    await clock.advance(600_000);
    await closeDueWindows(deps);
    const second = jobs.jobs.filter((j) => j.region === region)[1];
    if (!second) throw new Error('no second job');
    const outcome2 = await optimizeWindow(second, deps);
    expect(outcome2.kind === 'optimized' && outcome2.batch.shipmentIds).toEqual([body.shipmentId]);
    const final = await deps.store.get(body.shipmentId);
    expect(final).toMatchObject({ version: 2, status: 'OPTIMIZED' });

    const trail = (await deps.store.events(body.shipmentId)).map((e) => `${e.type}@${e.version}`);
    expect(trail).toEqual([
      'shipment.created@1',
      'shipment.optimizing@1',
      'shipment.updated@2',
      'shipment.stale@2',
      'shipment.requeued@2',
      'shipment.optimizing@2',
      'shipment.optimized@2',
    ]);
  });

  it('re-queues a shipment no vehicle can carry, then leaves it STALE with the reason', async () => {
    const { deps, jobs, clock } = batchingDeps(dynamo.client);
    const region = 'heavy-1';
    const heavy = shipment(region, { weightKg: 5000 });
    await submitAndEnqueue(deps, heavy);
    for (let w = 1; w <= 3; w++) {
      await clock.advance(600_000);
      await closeDueWindows(deps);
      const job = jobs.jobs.filter((j) => j.region === region)[w - 1];
      if (!job) throw new Error(`no job ${w}`);
      const outcome = await optimizeWindow(job, deps);
      expect(outcome.kind === 'optimized' && outcome.batch.unassigned).toEqual([
        { shipmentId: heavy.shipmentId, reason: 'capacity' },
      ]);
      const state = await deps.store.get(heavy.shipmentId);
      if (w < 3) {
        expect(state?.status).toBe('QUEUED');
        await enqueueShipment(detailOf(state as ShipmentState), deps);
      } else {
        expect(state).toMatchObject({ status: 'STALE', unassignedWindows: 3 });
        expect(state?.statusReason).toContain('capacity');
      }
    }
  });

  it('runs a job delivered twice (or re-sent while running) once: one batch, each shipment in one route', async () => {
    const { deps, jobs, clock } = batchingDeps(dynamo.client);
    const region = 'twice-1';
    for (let i = 0; i < 6; i++) await submitAndEnqueue(deps, shipment(region));
    await clock.advance(600_000);
    await closeDueWindows(deps);
    const job = jobs.jobs.find((j) => j.region === region);
    if (!job) throw new Error('no job');
    const results = await Promise.allSettled([optimizeWindow(job, deps), optimizeWindow(job, deps)]);
    const optimized = results.filter((r) => r.status === 'fulfilled' && r.value.kind === 'optimized');
    expect(optimized).toHaveLength(1);
    // The loser either found the region busy (retried later) or the window already done.
    for (const r of results)
      if (r.status === 'rejected') expect((r.reason as Error).name).toBe('RegionBusyError');
    expect((await optimizeWindow(job, deps)).kind).toBe('noop');
    const batches = await deps.batches.listBatches(region);
    expect(batches).toHaveLength(1);
    const stops = [];
    for (const routeId of batches[0]?.routeIds ?? [])
      stops.push(...((await deps.batches.getRoute(routeId))?.stops ?? []));
    expect(stops.map((s) => s.shipmentId).sort()).toEqual(
      [...new Set(stops.map((s) => s.shipmentId))].sort(),
    );
    expect(stops).toHaveLength(6);
  });

  it('lets the p0 consumer optimize an URGENT shipment left RECEIVED by an API call that died, and retry one that fits nowhere', async () => {
    const { deps } = batchingDeps(dynamo.client);
    const body = shipment('urgent-crash', { serviceLevel: 'SAME_DAY' });
    // The API held it (RECEIVED) and died before its real-time insertion.
    const { state } = await submitShipment({ body, correlationId: 'c', mode: 'create', hold: true }, deps);
    expect(state.status).toBe('RECEIVED');
    const outcome = await optimizeQueuedUrgent(detailOf(state), 5_000, deps);
    expect(outcome.kind).toBe('optimized');
    expect((await deps.store.get(body.shipmentId))?.status).toBe('OPTIMIZED');
    // Delivered again: already optimized, nothing to do.
    expect((await optimizeQueuedUrgent(detailOf(state), 5_000, deps)).kind).toBe('skipped');

    const heavy = shipment('urgent-crash', { serviceLevel: 'SAME_DAY', weightKg: 9_000 });
    const { state: held } = await submitShipment(
      { body: heavy, correlationId: 'c', mode: 'create', hold: true },
      deps,
    );
    await expect(optimizeQueuedUrgent(detailOf(held), 2_000, deps)).rejects.toThrow(/could not be placed/);
    // Back to QUEUED, without a new message: the same one is retried, then dead-lettered.
    expect((await deps.store.get(heavy.shipmentId))?.status).toBe('QUEUED');
  });

  it('answers an URGENT shipment with the state it wrote, even when its callback moved it on at once', async () => {
    const { deps } = batchingDeps(dynamo.client);
    // As on the local runtime: route.optimized starts the callback, which moves the shipment on
    // (CALLBACK_PENDING) before the optimizing call has answered.
    const bus = deps.publisher;
    deps.publisher = {
      publish: async (messages) => {
        await bus.publish(messages);
        for (const m of messages.filter((x) => x.detailType === ROUTE_OPTIMIZED)) {
          const stored = await deps.store.get(String(m.detail.shipmentId));
          await commit(deps, stored, {
            type: 'shipment.callback_pending',
            status: 'CALLBACK_PENDING',
            version: stored?.version ?? 1,
            correlationId: stored?.correlationId ?? 'c',
            patch: {},
          });
        }
      },
    };
    const body = shipment('urgent-answer', { serviceLevel: 'SAME_DAY' });
    const { state } = await submitShipment({ body, correlationId: 'c', mode: 'create', hold: true }, deps);
    const outcome = await optimizeQueuedUrgent(detailOf(state), 5_000, deps);
    if (outcome.kind !== 'optimized') throw new Error(`not optimized: ${outcome.kind}`);
    expect(outcome.state.status).toBe('OPTIMIZED');
    expect(outcome.state.route?.routeId).toBe(outcome.route.routeId);
    expect((await deps.store.get(body.shipmentId))?.status).toBe('CALLBACK_PENDING');
  });

  it('never runs two optimizations of the same region and priority at once', async () => {
    const { deps } = batchingDeps(dynamo.client);
    expect(await deps.locks.acquire('optimize#STANDARD#lock-1', 'w1', 60_000)).toBe(true);
    expect(await deps.locks.acquire('optimize#STANDARD#lock-1', 'w2', 60_000)).toBe(false);
    expect(await deps.locks.acquire('optimize#BULK#lock-1', 'w2', 60_000)).toBe(true);
    await deps.locks.release('optimize#STANDARD#lock-1', 'w2'); // not the owner: no effect
    expect(await deps.locks.acquire('optimize#STANDARD#lock-1', 'w3', 60_000)).toBe(false);
    await deps.locks.release('optimize#STANDARD#lock-1', 'w1');
    expect(await deps.locks.acquire('optimize#STANDARD#lock-1', 'w3', 60_000)).toBe(true);
  });

  it('holds the region for a slow run on a fast clock: a job sent again meanwhile waits', async () => {
    const h = batchingDeps(dynamo.client);
    // TIME_SCALE=60: a run of 2.5 s wall time is 150 s on the clock, more than budget + 120 s.
    h.deps.settings = { ...h.deps.settings, optimizeLeaseMs: 90 * 1000 * 60 };
    const region = 'lease-slow';
    for (let i = 0; i < 3; i++) await submitAndEnqueue(h.deps, shipment(region));
    await h.clock.advance(600_000);
    await closeDueWindows(h.deps);
    const job = h.jobs.jobs.find((j) => j.region === region);
    if (!job) throw new Error('no job');
    let solves = 0;
    h.deps.engine = {
      ...realEngine,
      planRoutes: async (input, options) => {
        if (++solves === 1) {
          await h.clock.advance(150_000);
          // The tick found the window CLOSING for long and sent its job again.
          const second = await optimizeWindow(job, h.deps).catch((error: unknown) => error);
          expect(second).toBeInstanceOf(RegionBusyError);
        }
        return realEngine.planRoutes(input, options);
      },
    };
    const outcome = await optimizeWindow(job, h.deps);
    expect(outcome.kind).toBe('optimized');
    // Sent once more after the run: nothing left to do, and exactly one batch exists.
    expect((await optimizeWindow(job, h.deps)).kind).toBe('noop');
    expect(await h.deps.batches.listBatches(region)).toHaveLength(1);
  });
});
