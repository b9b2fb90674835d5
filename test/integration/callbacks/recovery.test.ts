import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { attemptDelivery } from '../../../shared/domain/callbacks/attempt';
import { deadLetterDelivery } from '../../../shared/domain/callbacks/dead-letter';
import type { CallbackDeps } from '../../../shared/domain/callbacks/delivery';
import { webhookIdOf } from '../../../shared/domain/callbacks/payloads';
import type { CallbackStore } from '../../../shared/domain/callbacks/ports';
import { prepareDelivery } from '../../../shared/domain/callbacks/prepare';
import { recoverDeliveries } from '../../../shared/domain/callbacks/recovery';
import type { BusMessage } from '../../../shared/domain/ports';
import { commit } from '../../../shared/domain/use-cases/shipments';
import { CALLBACK_FAILED, type CallbackRecord, type DeliveryInput } from '../../../shared/schemas/callbacks';
import { EVENT_SOURCE, ROUTE_OPTIMIZED } from '../../../shared/schemas/events';
import { type Harness, startHarness } from './harness';

/**
 * Recovery of callback delivery at the start of the local runtime (its executions live in memory).
 * Each case plants what a kill -9 at one point of a delivery leaves behind, by running the real
 * tasks against the real stores (dynalite), the real sender and the fake SCM, and letting the
 * process "die" at one port call; then a start's recovery runs and the delivery must reach its end:
 * the shipment terminal, the SCM holding exactly one applied version under the callback's one
 * webhook-id, no execution failed, and a second start finding nothing left to do.
 */
let h: Harness;
afterEach(async () => {
  await h?.close();
});

class Killed extends Error {
  override name = 'Killed';
}

/** `target` whose `method` dies (throws) instead of returning, when `when` holds for its arguments. */
function dyingAt<T extends object, K extends keyof T>(
  target: T,
  method: K,
  options: { when?: (...args: never[]) => boolean; after?: boolean } = {},
): T {
  return new Proxy(target, {
    get(t, p, receiver) {
      const value = Reflect.get(t, p, receiver);
      if (p !== method || typeof value !== 'function') return value;
      return async (...args: never[]) => {
        if (options.when && !options.when(...args)) return value.apply(t, args);
        // `after`: the call is made (and its effect is real), the process dies before it returns.
        if (options.after) await value.apply(t, args);
        throw new Killed(`killed at ${String(method)}`);
      };
    },
  });
}

/** Runs a task until the planted kill; any other error is a failure of the plant itself. */
async function killed(task: Promise<unknown>) {
  await expect(task).rejects.toBeInstanceOf(Killed);
}

/** The bus of the local runtime: route.optimized starts a delivery; everything is recorded. */
function runtimeBus(published: BusMessage[]) {
  return {
    async publish(messages: BusMessage[]) {
      for (const m of messages) {
        published.push(m);
        if (m.detailType !== ROUTE_OPTIMIZED) continue;
        h.machine.start({
          version: '0',
          id: randomUUID(),
          'detail-type': m.detailType,
          source: EVENT_SOURCE,
          account: '000000000000',
          time: new Date(h.clock.now()).toISOString(),
          region: 'eu-north-1',
          resources: [],
          detail: m.detail,
        });
      }
    },
  };
}

/** A runtime start: the recovery, then every execution it started runs to its end. */
async function start() {
  const published: BusMessage[] = [];
  const started: DeliveryInput[] = [];
  const deps: CallbackDeps = { ...h.deps, publisher: runtimeBus(published) };
  const recovered = await recoverDeliveries(deps, (input) => {
    started.push(input);
    h.machine.start(input);
  });
  await h.runToEnd();
  return { recovered, published, started };
}

/** route.optimized webhooks the SCM answered 2xx for this shipment: version → webhook-ids. */
function appliedAtScm(shipmentId: string): Record<number, string[]> {
  const out: Record<number, Set<string>> = {};
  for (const r of h.scm.received()) {
    if (typeof r.answer !== 'number' || r.answer < 200 || r.answer >= 300) continue;
    const payload = JSON.parse(r.body) as { type: string; data: { shipmentId: string; version: number } };
    if (payload.type !== 'shipment.route_optimized' || payload.data.shipmentId !== shipmentId) continue;
    out[payload.data.version] = (out[payload.data.version] ?? new Set()).add(r.webhookId);
  }
  return Object.fromEntries(Object.entries(out).map(([v, ids]) => [v, [...ids]]));
}

interface Planted {
  shipmentId: string;
  webhookId: string;
}

/** An OPTIMIZED shipment and its route.optimized event, announced but not yet delivered. */
async function optimized(shipmentId: string) {
  const envelope = await h.optimizedShipment(shipmentId);
  const webhookId = webhookIdOf((envelope.detail as { eventId: string }).eventId);
  return { envelope, webhookId, shipmentId };
}

/** The first task, run by the execution that dies with the process. */
const prepare = (envelope: unknown, deps: CallbackDeps = h.deps) =>
  prepareDelivery({ event: envelope, executionId: 'the-execution-that-died' }, deps);

const attempt = (webhookId: string, deps: CallbackDeps) =>
  attemptDelivery({ webhookId, attempts: 0, endpoint: deps.config.endpoint }, deps);

const record = async (webhookId: string) => (await h.deps.callbacks.get(webhookId)) as CallbackRecord;

/** Kill points of one delivery, in order, and what the shipment must end as after a restart. */
const KILL_POINTS: {
  name: string;
  plant: () => Promise<Planted>;
  ends: { shipment: string; callback: string; appliedOnce: boolean };
}[] = [
  {
    name: 'the bus took route.optimized, the first task never ran (no callback)',
    plant: () => optimized('SHP-K0'),
    ends: { shipment: 'ROUTE_APPLIED', callback: 'COMPLETED', appliedOnce: true },
  },
  {
    name: 'callback created, the shipment not yet moved (OPTIMIZED)',
    async plant() {
      const p = await optimized('SHP-K1');
      await killed(prepare(p.envelope, { ...h.deps, store: dyingAt(h.deps.store, 'append') }));
      expect((await h.shipment(p.shipmentId))?.status).toBe('OPTIMIZED');
      return p;
    },
    ends: { shipment: 'ROUTE_APPLIED', callback: 'COMPLETED', appliedOnce: true },
  },
  {
    name: 'callback created, shipment CALLBACK_PENDING, no attempt yet',
    async plant() {
      const p = await optimized('SHP-K2');
      await prepare(p.envelope);
      return p;
    },
    ends: { shipment: 'ROUTE_APPLIED', callback: 'COMPLETED', appliedOnce: true },
  },
  {
    name: 'attempt counted (IN_PROGRESS), the webhook not sent',
    async plant() {
      const p = await optimized('SHP-K3');
      await prepare(p.envelope);
      await killed(attempt(p.webhookId, { ...h.deps, sender: dyingAt(h.deps.sender, 'send') }));
      expect((await record(p.webhookId)).status).toBe('IN_PROGRESS');
      return p;
    },
    ends: { shipment: 'ROUTE_APPLIED', callback: 'COMPLETED', appliedOnce: true },
  },
  {
    name: 'the SCM applied the webhook, its answer was lost with the process',
    async plant() {
      const p = await optimized('SHP-K4');
      await prepare(p.envelope);
      const sender = dyingAt(h.deps.sender, 'send', { after: true });
      await killed(attempt(p.webhookId, { ...h.deps, sender }));
      expect(appliedAtScm(p.shipmentId)).toEqual({ 1: [p.webhookId] });
      return p;
    },
    ends: { shipment: 'ROUTE_APPLIED', callback: 'COMPLETED', appliedOnce: true },
  },
  {
    name: 'shipment ROUTE_APPLIED, the callback record not yet settled',
    async plant() {
      const p = await optimized('SHP-K5');
      await prepare(p.envelope);
      const callbacks = dyingAt(h.deps.callbacks, 'replace', {
        when: (next: CallbackRecord) => next.status === 'COMPLETED',
      });
      await killed(attempt(p.webhookId, { ...h.deps, callbacks }));
      expect((await h.shipment(p.shipmentId))?.status).toBe('ROUTE_APPLIED');
      expect((await record(p.webhookId)).status).toBe('IN_PROGRESS');
      return p;
    },
    ends: { shipment: 'ROUTE_APPLIED', callback: 'COMPLETED', appliedOnce: true },
  },
  {
    name: 'the callback record says applied, the shipment still CALLBACK_PENDING',
    async plant() {
      // What a delivery that records the answer before the shipment (or another delivery of the
      // same callback) leaves when it stops between the two writes.
      const p = await optimized('SHP-K6');
      await prepare(p.envelope);
      await killed(attempt(p.webhookId, { ...h.deps, store: dyingAt(h.deps.store, 'append') }));
      const r = await record(p.webhookId);
      await h.deps.callbacks.replace(
        { ...r, status: 'COMPLETED', outcome: 'applied', rev: r.rev + 1 },
        r.rev,
      );
      expect((await h.shipment(p.shipmentId))?.status).toBe('CALLBACK_PENDING');
      return p;
    },
    ends: { shipment: 'ROUTE_APPLIED', callback: 'COMPLETED', appliedOnce: true },
  },
  {
    name: 'dead-lettered (callback FAILED), the shipment still CALLBACK_PENDING',
    async plant() {
      const p = await optimized('SHP-K7');
      await prepare(p.envelope);
      h.scm.control({ failNext: 1, failWith: 400 }); // permanent: no retry
      expect((await attempt(p.webhookId, h.deps)).outcome).toBe('failed');
      const deps = { ...h.deps, store: dyingAt(h.deps.store, 'append') };
      await killed(deadLetterDelivery({ webhookId: p.webhookId, reason: 'SCM answered 400' }, deps));
      expect((await record(p.webhookId)).status).toBe('FAILED');
      expect((await h.shipment(p.shipmentId))?.status).toBe('CALLBACK_PENDING');
      return p;
    },
    ends: { shipment: 'CALLBACK_FAILED', callback: 'FAILED', appliedOnce: false },
  },
  {
    name: 'shipment CALLBACK_PENDING without its callback record',
    async plant() {
      // The record lost (a restored callbacks table): the shipment's trail still has its event.
      const p = await optimized('SHP-K8');
      const s = await h.shipment(p.shipmentId);
      await commit(h.deps, s, {
        type: 'shipment.callback_pending',
        status: 'CALLBACK_PENDING',
        version: 1,
        correlationId: s?.correlationId ?? '',
        patch: {},
      });
      expect(await h.deps.callbacks.get(p.webhookId)).toBeUndefined();
      return p;
    },
    ends: { shipment: 'ROUTE_APPLIED', callback: 'COMPLETED', appliedOnce: true },
  },
];

describe('recovery of callback deliveries at start, from every kill point', () => {
  for (const point of KILL_POINTS) {
    const applied = point.ends.appliedOnce ? 'one version applied, once' : 'nothing applied';
    it(`${point.name}: ends ${point.ends.shipment}, ${applied}`, async () => {
      h = await startHarness();
      const planted = await point.plant();
      const before = [
        (await h.shipment(planted.shipmentId))?.status,
        (await h.deps.callbacks.get(planted.webhookId))?.status,
      ];
      expect(before).not.toEqual([point.ends.shipment, point.ends.callback]);

      const first = await start();
      expect(h.failures).toEqual([]);
      expect((await h.shipment(planted.shipmentId))?.status).toBe(point.ends.shipment);
      expect((await record(planted.webhookId)).status).toBe(point.ends.callback);
      expect(appliedAtScm(planted.shipmentId)).toEqual(
        point.ends.appliedOnce ? { 1: [planted.webhookId] } : {},
      );
      // One execution at most per callback; the webhook-id never changes.
      expect(first.started.length + first.recovered.announced).toBeLessThanOrEqual(1);
      if (point.ends.shipment === 'CALLBACK_FAILED')
        expect(first.published.filter((m) => m.detailType === CALLBACK_FAILED)).toHaveLength(1);

      // A second start finds nothing left to do and changes nothing.
      const trail = await h.trail(planted.shipmentId);
      const received = h.scm.received().length;
      const second = await start();
      expect(second.recovered).toEqual({ resumed: 0, announced: 0, settled: 0 });
      expect(await h.trail(planted.shipmentId)).toEqual(trail);
      expect(h.scm.received()).toHaveLength(received);
    });
  }

  it('a callback that turns IN_PROGRESS while the start lists the callbacks gets one execution', async () => {
    h = await startHarness();
    const p = await optimized('SHP-RACE');
    await prepare(p.envelope);
    // The listings are two queries: a resumed delivery that made its attempt between them (PENDING
    // → IN_PROGRESS) is in both.
    const real = h.deps.callbacks;
    const callbacks: CallbackStore = {
      get: (id) => real.get(id),
      create: (r) => real.create(r),
      replace: (r, rev) => real.replace(r, rev),
      async listByStatus(status, limit, filter) {
        if (status !== 'IN_PROGRESS') return real.listByStatus(status, limit, filter);
        return [{ ...(await record(p.webhookId)), status: 'IN_PROGRESS' as const }];
      },
    };
    const started: DeliveryInput[] = [];
    await recoverDeliveries({ ...h.deps, callbacks }, (input) => {
      started.push(input);
      h.machine.start(input);
    });
    await h.runToEnd();
    expect(started).toEqual([{ resume: { webhookId: p.webhookId } }]);
    expect((await h.shipment(p.shipmentId))?.status).toBe('ROUTE_APPLIED');
    expect(h.scm.received().map((r) => r.webhookId)).toEqual([p.webhookId]);
  });
});
