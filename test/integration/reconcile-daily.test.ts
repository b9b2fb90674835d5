import { afterAll, describe, expect, it } from 'vitest';
import { startFakeScm } from '../../local/fake-scm/server';
import { DynamoCallbackStore } from '../../shared/adapters/dynamodb/callback-store';
import { DynamoLeaseLock } from '../../shared/adapters/dynamodb/lease-lock';
import { DynamoReconciliationRuns } from '../../shared/adapters/dynamodb/reconciliation-store';
import { BATCHING_TABLE, CALLBACKS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { HttpScmListing } from '../../shared/adapters/scm/http-listing';
import { StaticSecretSource } from '../../shared/adapters/webhooks/signature';
import { webhookIdOf } from '../../shared/domain/callbacks/payloads';
import type { DeliveryStarter } from '../../shared/domain/callbacks/ports';
import { type DailyReconcileDeps, reconcileDaily } from '../../shared/domain/operations/reconcile-daily';
import { commit, submitShipment } from '../../shared/domain/use-cases/shipments';
import type { CallbackRecord, DeliveryInput } from '../../shared/schemas/callbacks';
import type { ShipmentState } from '../../shared/schemas/state';
import { testDeps } from '../support/deps';
import { dynamoOnLoopback } from '../support/dynamo';

/** The daily comparison on dynalite and a virtual clock, against the fake SCM's paginated, signed listing. */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const dynamo = await dynamoOnLoopback();
const base = testDeps(dynamo.client);
const scm = await startFakeScm({ secret: SECRET, clock: base.clock });
afterAll(async () => {
  await scm.close();
  await dynamo.close();
});
const callbacks = new DynamoCallbackStore(dynamo.client, CALLBACKS_TABLE.id);

/** Step Functions' rule (an execution name is used once); a started re-send is taken by the SCM. */
class DeliveringStarter implements DeliveryStarter {
  readonly started: { input: DeliveryInput; name: string }[] = [];
  async start(input: DeliveryInput, name: string): Promise<string> {
    if (this.started.some((s) => s.name === name)) {
      const error = new Error(`execution ${name} already exists`);
      error.name = 'ExecutionAlreadyExists';
      throw error;
    }
    this.started.push({ input, name });
    if ('resend' in input) {
      const record = await callbacks.get(input.resend.webhookId);
      if (record) scm.plantApplied(record.shipmentId, record.version);
    }
    return `arn:aws:states:eu-north-1:000000000000:execution:Delivery:${name}`;
  }
}

let seq = 0;
function world() {
  const prefix = `D${++seq}`;
  const locks = new DynamoLeaseLock(dynamo.client, BATCHING_TABLE.id, base.clock);
  const runs = new DynamoReconciliationRuns(dynamo.client, BATCHING_TABLE.id, locks);
  const starter = new DeliveringStarter();
  const metrics: { finding: string; count: number }[] = [];
  const deps: DailyReconcileDeps = {
    metrics: { scmDiscrepanciesFound: (finding, count) => metrics.push({ finding, count }) },
    store: base.deps.store,
    callbacks,
    deliveries: starter,
    runs,
    scm: new HttpScmListing({
      baseUrl: scm.url,
      secrets: new StaticSecretSource(SECRET),
      wallClock: {
        now: () => Date.now(),
        sleep: base.clock.sleep.bind(base.clock),
        wallMs: () => Date.now(),
      },
      pageSize: 2,
    }),
    clock: base.clock,
    logger: base.deps.logger,
  };
  const queued = async (n: string, version = 1) =>
    (
      await submitShipment(
        {
          body: {
            shipmentId: `${prefix}-${n}`,
            version,
            region: n.endsWith('S') ? 'rec-south' : 'rec-north',
            serviceLevel: 'NEXT_DAY',
            origin: { depotId: n.endsWith('S') ? 'MMX-2' : 'STO-1', lat: 59.33, lon: 18.06 },
            destination: { lat: 59.38, lon: 18.12 },
            weightKg: 7,
          },
          correlationId: `c-${prefix}-${n}`,
          mode: 'create',
        },
        base.deps,
      )
    ).state;
  const step = async (s: ShipmentState, status: ShipmentState['status'], extra: object = {}) =>
    commit(base.deps, s, {
      type: `shipment.${status === 'CALLBACK_FAILED' ? 'callback_failed' : status.toLowerCase()}` as never,
      status,
      version: s.version,
      correlationId: s.correlationId,
      patch: {},
      ...extra,
    });
  /** Optimized, its route.optimized announced, and (unless `noRecord`) its callback record kept. */
  const routed = async (n: string, end: 'ROUTE_APPLIED' | 'CALLBACK_FAILED', noRecord = false) => {
    const s1 = (await step(await queued(n), 'OPTIMIZING')).state;
    const { state: s2, event } = await step(s1, 'OPTIMIZED', {
      busEvent: { detailType: 'route.optimized', detail: { shipmentId: s1.shipmentId, version: s1.version } },
    });
    const webhookId = webhookIdOf(event.eventId);
    if (!noRecord) {
      const at = new Date(base.clock.now()).toISOString();
      const record: CallbackRecord = {
        webhookId,
        shipmentId: s2.shipmentId,
        version: s2.version,
        correlationId: s2.correlationId,
        endpoint: `${scm.url}/webhooks`,
        mode: 'live',
        body: '{}',
        status: end === 'ROUTE_APPLIED' ? 'COMPLETED' : 'FAILED',
        attempts: 5,
        totalAttempts: 5,
        deliveries: 1,
        executionId: `exec-${n}`,
        createdAt: at,
        updatedAt: at,
        rev: 4,
      };
      expect(await callbacks.create(record)).toBe(true);
    }
    const s3 = (await step(s2, 'CALLBACK_PENDING')).state;
    return { state: (await step(s3, end)).state, webhookId };
  };
  return { prefix, deps, starter, runs, metrics, queued, step, routed };
}

describe('daily reconciliation against the SCM listing', () => {
  it('re-sends the routes the SCM lacks, flags what it cannot settle, and a second run does nothing new', async () => {
    const w = world();
    const synced = await w.routed('SYNCED', 'ROUTE_APPLIED');
    scm.plantApplied(synced.state.shipmentId, 1);
    const lost = await w.routed('LOST', 'ROUTE_APPLIED');
    const failed = await w.routed('FAILED-S', 'CALLBACK_FAILED');
    const orphan = await w.routed('ORPHAN', 'ROUTE_APPLIED', true);
    const older = await w.queued('OLDER');
    scm.plantApplied(older.shipmentId, 2);
    scm.plantApplied(`${w.prefix}-NEVER-SEEN`, 3);
    const cancelled = (await w.step(await w.queued('CANCELLED-S'), 'CANCELLED')).state;
    scm.plantApplied(cancelled.shipmentId, 1);
    await base.clock.advance(3600_000);

    const signedBefore = scm.listingsSigned();
    const report = await reconcileDaily(w.deps, { runId: `${w.prefix}-run-1` });
    const mine = report.items.filter((i) => i.shipmentId.startsWith(`${w.prefix}-`));
    const short = (id: string) => id.slice(w.prefix.length + 1);
    expect(mine.map((i) => `${i.finding}:${short(i.shipmentId)}:${i.action}`).sort()).toEqual([
      'disagreement:CANCELLED-S:flagged',
      'disagreement:ORPHAN:flagged',
      'scm-lacks-route:FAILED-S:redelivered',
      'scm-lacks-route:LOST:redelivered',
      'scm-newer-version:NEVER-SEEN:flagged',
      'scm-newer-version:OLDER:flagged',
    ]);
    expect(mine.find((i) => short(i.shipmentId) === 'OLDER')?.reason).toMatch(/cannot be re-queued/);
    expect(mine.find((i) => short(i.shipmentId) === 'ORPHAN')?.reason).toMatch(/no callback record/);
    // The re-sends resume the same webhook-ids; the listing was read page by page, signed.
    expect(w.starter.started.map((s) => s.input)).toEqual(
      expect.arrayContaining([
        { resend: { webhookId: lost.webhookId, key: 'daily-r4' } },
        { resend: { webhookId: failed.webhookId, key: 'daily-r4' } },
      ]),
    );
    expect(w.starter.started).toHaveLength(2);
    expect(scm.listingsSigned() - signedBefore).toBeGreaterThan(1);
    expect(report.compared.scm).toBeGreaterThanOrEqual(4);
    expect(orphan.state.status).toBe('ROUTE_APPLIED');
    const saved = (await w.runs.reports('daily')).find((r) => r.runId === `${w.prefix}-run-1`);
    expect(saved?.remediated).toEqual(report.remediated);
    // ScmDiscrepanciesFound: one count per finding (zeros too, so the alarm has data), as found.
    expect(w.metrics).toEqual([
      { finding: 'scm-newer-version', count: report.found['scm-newer-version'] },
      { finding: 'scm-lacks-route', count: report.found['scm-lacks-route'] },
      { finding: 'disagreement', count: report.found.disagreement },
    ]);
    expect(report.found['scm-newer-version']).toBeGreaterThanOrEqual(2);

    // The SCM took the re-sends: the next run re-sends nothing; the unsettled ones stay flagged.
    await base.clock.advance(60_000);
    const again = await reconcileDaily(w.deps, { runId: `${w.prefix}-run-2` });
    const mineAgain = again.items.filter((i) => i.shipmentId.startsWith(`${w.prefix}-`));
    expect(mineAgain.every((i) => i.action === 'flagged')).toBe(true);
    expect(mineAgain).toHaveLength(4);
    expect(again.remediated.redelivered).toBe(0);
    expect(w.starter.started).toHaveLength(2);
  });

  it('overlapping runs: one holds the lease, the other does nothing; a dry run changes nothing', async () => {
    const w = world();
    await w.routed('LATE', 'ROUTE_APPLIED');
    await base.clock.advance(60_000);
    const dry = await reconcileDaily(w.deps, { runId: `${w.prefix}-dry`, dryRun: true });
    expect(dry.items.filter((i) => i.shipmentId.startsWith(`${w.prefix}-`)).map((i) => i.action)).toEqual([
      'redelivered',
    ]);
    expect(w.starter.started).toHaveLength(0);
    expect(w.metrics).toEqual([]); // a dry run records nothing
    const [a, b] = await Promise.all([
      reconcileDaily(w.deps, { runId: `${w.prefix}-a` }),
      reconcileDaily(w.deps, { runId: `${w.prefix}-b` }),
    ]);
    expect([a.outcome, b.outcome].sort()).toEqual(['busy', 'completed']);
    expect(w.starter.started).toHaveLength(1);
  });
});
