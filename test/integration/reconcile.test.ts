import { afterAll, describe, expect, it } from 'vitest';
import { DynamoBreakerStore, DynamoCallbackStore } from '../../shared/adapters/dynamodb/callback-store';
import { DynamoLeaseLock } from '../../shared/adapters/dynamodb/lease-lock';
import { DynamoReconciliationRuns } from '../../shared/adapters/dynamodb/reconciliation-store';
import { BATCHING_TABLE, CALLBACKS_TABLE } from '../../shared/adapters/dynamodb/tables';
import type { DeliveryStarter } from '../../shared/domain/callbacks/ports';
import {
  DEFAULT_RECONCILE_SETTINGS,
  type ReconcileDeps,
  type ReconciliationRuns,
  reconcileHourly,
} from '../../shared/domain/operations/reconcile';
import { commit, submitShipment } from '../../shared/domain/use-cases/shipments';
import type { CallbackRecord, DeliveryInput } from '../../shared/schemas/callbacks';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { ShipmentState } from '../../shared/schemas/state';
import { testDeps } from '../support/deps';
import { dynamoOnLoopback } from '../support/dynamo';

/** The hourly reconciliation on dynalite and a virtual clock: what is found, what is done, once. */
const dynamo = await dynamoOnLoopback();
afterAll(async () => {
  await dynamo.close();
});

const SCM = 'https://scm.example.com/webhooks/route-optimized';
const SCM_DOWN = 'https://scm-down.example.com/webhooks';
const HOUR = 3600_000;

/** Step Functions' behaviour that matters here: an execution name is used once. */
class RecordingStarter implements DeliveryStarter {
  readonly started: { input: DeliveryInput; name: string }[] = [];
  async start(input: DeliveryInput, name: string): Promise<string> {
    if (this.started.some((s) => s.name === name)) throw new Error(`ExecutionAlreadyExists: ${name}`);
    this.started.push({ input, name });
    return `arn:aws:states:eu-north-1:000000000000:execution:Delivery:${name}`;
  }
}

let seq = 0;
let prefix = '';
function body(n: string, region = 'rec-north'): ShipmentBody {
  return {
    shipmentId: `${prefix}-${n}`,
    version: 1,
    region,
    serviceLevel: 'NEXT_DAY',
    origin: { depotId: 'STO-1', lat: 59.33, lon: 18.06 },
    destination: { lat: 59.38, lon: 18.12 },
    weightKg: 9,
  };
}

function setup() {
  prefix = `R${++seq}`;
  const base = testDeps(dynamo.client);
  const locks = new DynamoLeaseLock(dynamo.client, BATCHING_TABLE.id, base.clock);
  const runs = new DynamoReconciliationRuns(dynamo.client, BATCHING_TABLE.id, locks);
  const callbacks = new DynamoCallbackStore(dynamo.client, CALLBACKS_TABLE.id);
  const breakers = new DynamoBreakerStore(dynamo.client, CALLBACKS_TABLE.id);
  const starter = new RecordingStarter();
  const found: number[] = [];
  const deps: ReconcileDeps = {
    ...base.deps,
    callbacks,
    breakers,
    deliveries: starter,
    runs,
    metrics: { stuckShipmentsFound: (n) => found.push(n) },
    settings: DEFAULT_RECONCILE_SETTINGS,
  };
  const queued = async (n: string) =>
    (await submitShipment({ body: body(n), correlationId: `c-${n}`, mode: 'create' }, base.deps)).state;
  const heldUrgent = async (n: string) =>
    (
      await submitShipment(
        {
          body: { ...body(n), serviceLevel: 'SAME_DAY' },
          correlationId: `c-${n}`,
          mode: 'create',
          hold: true,
        },
        base.deps,
      )
    ).state;
  const move = async (s: ShipmentState, status: ShipmentState['status'], reason?: string) =>
    (
      await commit(deps, s, {
        type: status === 'OPTIMIZING' ? 'shipment.optimizing' : 'shipment.stale',
        status,
        version: s.version,
        correlationId: s.correlationId,
        patch: reason ? { statusReason: reason } : {},
      })
    ).state;
  const pendingCallback = async (n: string, endpoint: string) => {
    const at = new Date(base.clock.now()).toISOString();
    const record: CallbackRecord = {
      webhookId: `msg_${prefix}-${n}`,
      shipmentId: `${prefix}-${n}`,
      version: 1,
      correlationId: `c-${n}`,
      endpoint,
      mode: 'live',
      body: '{}',
      status: 'PENDING',
      attempts: 2,
      totalAttempts: 2,
      deliveries: 1,
      executionId: `exec-${n}`,
      createdAt: at,
      updatedAt: at,
      rev: 3,
    };
    expect(await callbacks.create(record)).toBe(true);
    return record;
  };
  return {
    deps,
    clock: base.clock,
    publisher: base.publisher,
    runs,
    starter,
    found,
    queued,
    heldUrgent,
    move,
    pendingCallback,
    breakers,
  };
}

type World = ReturnType<typeof setup>;

/** One of each stuck kind, a pending callback behind an open breaker, and a shipment not yet stuck. */
async function plant(w: World) {
  const optimizing = await w.move(await w.queued('OPT'), 'OPTIMIZING');
  const lost = await w.queued('LOST');
  const stale = await w.move(
    await w.queued('STALE'),
    'STALE',
    'unassigned (capacity) in 3 windows: left for operations',
  );
  // URGENT, held for its real-time insertion by an API call that died: RECEIVED, announced nowhere.
  const received = await w.heldUrgent('RCV');
  const callback = await w.pendingCallback('CB', SCM);
  const held = await w.pendingCallback('HELD', SCM_DOWN);
  await w.breakers.save(
    { endpoint: SCM_DOWN, state: 'open', consecutiveFailures: 5, reopenAt: w.clock.now() + 4 * HOUR, rev: 1 },
    0,
  );
  await w.clock.advance(2 * HOUR + 60_000);
  const recent = await w.move(await w.queued('RECENT'), 'OPTIMIZING');
  return { optimizing, lost, received, stale, callback, held, recent };
}

const requeuedEvents = async (w: World, shipmentId: string) =>
  (await w.deps.store.events(shipmentId)).filter((e) => e.type === 'shipment.requeued');

describe('hourly reconciliation', () => {
  it('finds each stuck kind and remediates it once: re-queue, re-deliver, flag; counted and reported', async () => {
    const w = setup();
    const planted = await plant(w);
    const report = await reconcileHourly(w.deps, { runId: `${prefix}-run-1` });
    const mine = report.items.filter((i) => i.shipmentId.startsWith(`${prefix}-`));
    expect(mine.map((i) => `${i.kind}:${i.shipmentId.slice(prefix.length + 1)}:${i.action}`).sort()).toEqual([
      'callback:CB:redelivered',
      'optimizing:OPT:requeued',
      'queued:LOST:requeued',
      'received:RCV:requeued',
      'stale:STALE:flagged',
    ]);
    expect(report.outcome).toBe('completed');
    expect(report.heldByBreaker).toBeGreaterThanOrEqual(1);

    // OPTIMIZING for over 2 h, QUEUED without a message, RECEIVED by a dead call: QUEUED again,
    // announced on the bus (the held one on p0: it is URGENT).
    expect(planted.received.priority).toBe('URGENT');
    for (const s of [planted.optimizing, planted.lost, planted.received]) {
      const now = await w.deps.store.get(s.shipmentId);
      expect(now?.status).toBe('QUEUED');
      expect(now?.statusReason).toMatch(/^reconciliation: /);
      expect(await requeuedEvents(w, s.shipmentId)).toHaveLength(1);
      expect(
        w.publisher.published.filter(
          (m) => m.detailType === 'shipment.requeued' && m.detail.shipmentId === s.shipmentId,
        ),
      ).toHaveLength(1);
    }
    // STALE is flagged for operations, not touched; the recent OPTIMIZING one is not stuck.
    expect((await w.deps.store.get(planted.stale.shipmentId))?.status).toBe('STALE');
    expect((await w.deps.store.get(planted.recent.shipmentId))?.status).toBe('OPTIMIZING');
    // The stuck callback restarts with its webhook-id; the one behind the open breaker waits.
    expect(w.starter.started.map((s) => s.input)).toContainEqual({
      resume: { webhookId: planted.callback.webhookId },
    });
    expect(w.starter.started.map((s) => JSON.stringify(s.input))).not.toContain(planted.held.webhookId);
    // Counted (StuckShipmentsFound) and kept as a report.
    expect(w.found).toEqual([Object.values(report.found).reduce((a, b) => a + b, 0)]);
    const saved = (await w.runs.reports()).find((r) => r.runId === `${prefix}-run-1`);
    expect(saved?.remediated).toEqual(report.remediated);

    // The next run remediates none of them again (only the still-STALE one is flagged again).
    const again = await reconcileHourly(w.deps, { runId: `${prefix}-run-2` });
    const mineAgain = again.items.filter((i) => i.shipmentId.startsWith(`${prefix}-`));
    expect(mineAgain.map((i) => `${i.kind}:${i.action}`)).toEqual(['stale:flagged']);
    // Its delivery was restarted at this callback revision already: Step Functions refuses the name.
    expect(again.errors).toBe(1);
    expect(w.starter.started).toHaveLength(1);
    expect(await requeuedEvents(w, planted.optimizing.shipmentId)).toHaveLength(1);
  });

  it('overlapping runs: one holds the lease, the other does nothing', async () => {
    const w = setup();
    const planted = await plant(w);
    const [a, b] = await Promise.all([
      reconcileHourly(w.deps, { runId: `${prefix}-a` }),
      reconcileHourly(w.deps, { runId: `${prefix}-b` }),
    ]);
    expect([a.outcome, b.outcome].sort()).toEqual(['busy', 'completed']);
    for (const s of [planted.optimizing, planted.lost])
      expect(await requeuedEvents(w, s.shipmentId)).toHaveLength(1);
    expect(
      w.starter.started.filter((s) => JSON.stringify(s.input).includes(planted.callback.webhookId)),
    ).toHaveLength(1);
  });

  it('overlapping runs whose lease expired: each shipment is still remediated once (conditional writes)', async () => {
    const w = setup();
    const planted = await plant(w);
    const alwaysGranted: ReconciliationRuns = {
      acquire: async () => true,
      release: async () => {},
      saveReport: async () => {},
    };
    const deps = { ...w.deps, runs: alwaysGranted };
    const reports = await Promise.all(
      [1, 2, 3].map((i) => reconcileHourly(deps, { runId: `${prefix}-expired-${i}` })),
    );
    for (const s of [planted.optimizing, planted.lost, planted.received])
      expect(await requeuedEvents(w, s.shipmentId)).toHaveLength(1);
    const requeued = reports.reduce(
      (n, r) =>
        n + r.items.filter((i) => i.shipmentId.startsWith(`${prefix}-`) && i.action === 'requeued').length,
      0,
    );
    expect(requeued).toBe(3);
    // The same callback revision restarts once: the execution name is taken for the others.
    expect(
      w.starter.started.filter((s) => JSON.stringify(s.input).includes(planted.callback.webhookId)),
    ).toHaveLength(1);
    expect(reports.reduce((n, r) => n + r.errors, 0)).toBeGreaterThanOrEqual(2);
  });

  it('--dry-run: reports what it would do and changes nothing', async () => {
    const w = setup();
    const planted = await plant(w);
    const before = (await w.runs.reports()).length;
    const report = await reconcileHourly(w.deps, { runId: `${prefix}-dry`, dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(
      report.items
        .filter((i) => i.shipmentId.startsWith(`${prefix}-`))
        .map((i) => i.action)
        .sort(),
    ).toEqual(['flagged', 'redelivered', 'requeued', 'requeued', 'requeued']);
    expect(report.remediated).toMatchObject({ requeued: 0, redelivered: 0 });
    expect((await w.deps.store.get(planted.optimizing.shipmentId))?.status).toBe('OPTIMIZING');
    expect(await requeuedEvents(w, planted.lost.shipmentId)).toHaveLength(0);
    expect((await w.deps.store.get(planted.received.shipmentId))?.status).toBe('RECEIVED');
    expect(w.starter.started).toEqual([]);
    expect(w.found).toEqual([]);
    expect((await w.runs.reports()).length).toBe(before);
  });
});
