import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScm } from '../../local/fake-scm/server';
import { DynamoBreakerStore, DynamoCallbackStore } from '../../shared/adapters/dynamodb/callback-store';
import { CALLBACKS_TABLE } from '../../shared/adapters/dynamodb/tables';
import { HttpWebhookSender } from '../../shared/adapters/webhooks/http-sender';
import { StaticSecretSource } from '../../shared/adapters/webhooks/signature';
import { freezeDuePlans } from '../../shared/domain/batching/cutoff';
import { optimizeWindow } from '../../shared/domain/batching/optimize-window';
import { closeDueWindows, enqueueShipment } from '../../shared/domain/batching/windows';
import { attemptDelivery } from '../../shared/domain/callbacks/attempt';
import { DEFAULT_BREAKER } from '../../shared/domain/callbacks/breaker';
import type { CallbackDeps } from '../../shared/domain/callbacks/delivery';
import { prepareDelivery } from '../../shared/domain/callbacks/prepare';
import { recoverDeliveries } from '../../shared/domain/callbacks/recovery';
import { systemClock } from '../../shared/domain/clock';
import type { BusMessage } from '../../shared/domain/ports';
import { detailOf as announce } from '../../shared/domain/use-cases/recovery';
import { submitShipment } from '../../shared/domain/use-cases/shipments';
import { FleetConfig } from '../../shared/schemas/batching';
import { RouteUpdatedWebhookPayload, WebhookPayload } from '../../shared/schemas/callbacks';
import { EVENT_SOURCE, ROUTE_OPTIMIZED, ROUTE_UPDATED } from '../../shared/schemas/events';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { ShipmentState } from '../../shared/schemas/state';
import { sampleShipment } from '../support/arbitraries';
import { batchingDeps } from '../support/batching-deps';
import { dynamoOnLoopback } from '../support/dynamo';

/**
 * Contract §3a: a re-plan that moves a shipment the SCM has tells it once (shipment.route_updated
 * with the plan revision), tells nobody else, and a move that gains less than the move penalty is
 * not made. Through dynalite, the real engine and the delivery use cases to the fake SCM over HTTP.
 */
let dynamo: Awaited<ReturnType<typeof dynamoOnLoopback>>;
let scm: Awaited<ReturnType<typeof startFakeScm>>;
const secret = `whsec_${randomBytes(32).toString('base64')}`;
beforeAll(async () => {
  dynamo = await dynamoOnLoopback();
  scm = await startFakeScm({ secret });
});
afterAll(async () => {
  await scm.close();
  await dynamo.close();
});

/** Thursday 26 November 2026, 14:00 in Stockholm; the shipments are delivered tomorrow. */
const TODAY_1400 = Date.parse('2026-11-26T13:00:00Z');
const DEPOT = { id: 'D', lat: 59.3, lon: 18.0 };
/** A: the only vehicle of the first window, dear per km. B (cheap, small) joins the fleet after it. */
const A = { id: 'A', depotId: 'D', capacityWeightKg: 200, shiftStart: '07:00', shiftEnd: '17:00' };
const B = { id: 'B', depotId: 'D', capacityWeightKg: 60, shiftStart: '07:00', shiftEnd: '17:00' };
const fleet = (
  region: string,
  vehicles: object[],
  movePenalty: number,
  etaUpdatesBeforeCutoff = true,
  callbacksBeforeCutoff = true,
) =>
  FleetConfig.parse({
    calendar: { timeZone: 'Europe/Stockholm' },
    replan: { movePenalty, etaUpdatesBeforeCutoff, callbacksBeforeCutoff },
    regions: {
      [region]: {
        depots: [DEPOT],
        vehicles: vehicles.map((v) => ({ fixedCost: 0, costPerHour: 0, ...v })),
      },
    },
  });

function body(region: string, id: string, lat: number, lon: number, overrides: Partial<ShipmentBody> = {}) {
  return sampleShipment({
    shipmentId: `${region}-${id}`,
    region,
    origin: { depotId: DEPOT.id, lat: DEPOT.lat, lon: DEPOT.lon },
    destination: { lat, lon },
    timeWindow: { start: '2026-11-27T07:00:00Z', end: '2026-11-27T15:00:00Z' },
    weightKg: 50,
    volumeM3: undefined,
    ...overrides,
  });
}

/** EAST is served at 08:00-08:10 local (its ETA cannot move by 15 min); WEST anywhere in the day. */
const east = (region: string) =>
  body(region, 'EAST', 59.6, 18.0, {
    timeWindow: { start: '2026-11-27T07:00:00Z', end: '2026-11-27T07:10:00Z' },
  });
const west = (region: string) => body(region, 'WEST', 59.3, 17.4);
const near = (region: string) => body(region, 'NEAR', 59.31, 18.01, { weightKg: 10 });

async function setUp(
  region: string,
  movePenalty: number,
  etaUpdatesBeforeCutoff = true,
  callbacksBeforeCutoff = true,
) {
  const h = batchingDeps(dynamo.client, {
    fleet: fleet(
      region,
      [{ ...A, costPerKm: 5 }],
      movePenalty,
      etaUpdatesBeforeCutoff,
      callbacksBeforeCutoff,
    ),
  });
  h.deps.settings = { ...h.deps.settings, batchBudgetMs: 500 };
  await h.clock.advance(TODAY_1400 - h.clock.now());
  const callbacks: CallbackDeps = {
    ...h.deps,
    callbacks: new DynamoCallbackStore(dynamo.client, CALLBACKS_TABLE.id),
    breakers: new DynamoBreakerStore(dynamo.client, CALLBACKS_TABLE.id),
    sender: new HttpWebhookSender({
      secrets: new StaticSecretSource(secret),
      clock: h.clock,
      wallClock: systemClock,
    }),
    deadLetters: { send: async () => {} },
    metrics: { count: () => {} },
    config: { endpoint: scm.webhookUrl, mode: 'live', breaker: DEFAULT_BREAKER },
  };
  let executions = 0;
  /** One delivery of a bus message, as the delivery state machine runs it (one attempt). */
  const deliver = async (message: BusMessage) => {
    const envelope = {
      version: '0',
      id: `env-${executions}`,
      'detail-type': message.detailType,
      source: EVENT_SOURCE,
      time: new Date(h.clock.now()).toISOString(),
      detail: message.detail,
    };
    const prepared = await prepareDelivery(
      { event: envelope, executionId: `exec-${++executions}` },
      callbacks,
    );
    const attempt = prepared.skip
      ? undefined
      : await attemptDelivery({ webhookId: prepared.webhookId, attempts: 0 }, callbacks);
    return { prepared, attempt };
  };
  const window = async (bodies: ShipmentBody[]) => {
    for (const b of bodies) {
      const { state } = await submitShipment({ body: b, correlationId: 'c', mode: 'create' }, h.deps);
      await enqueueShipment(
        announce(state, `evt-${state.shipmentId}-${state.revision}`, state.updatedAt),
        h.deps,
      );
    }
    await h.clock.advance(600_000);
    await closeDueWindows(h.deps);
    const job = h.jobs.jobs.filter((j) => j.region === region).at(-1);
    if (!job) throw new Error('no job');
    const outcome = await optimizeWindow(job, h.deps);
    if (outcome.kind !== 'optimized') throw new Error(`not optimized: ${outcome.reason}`);
  };
  const messages = (type: string) => h.publisher.published.filter((m) => m.detailType === type);
  const state = async (id: string) => (await h.deps.store.get(`${region}-${id}`)) as ShipmentState;
  return { h, callbacks, deliver, window, messages, state };
}

describe('re-plans tell the SCM what moved, and only that (contract §3a)', () => {
  it('a re-plan that moves a shipment sends exactly one route_updated to it and none to the others; webhook-ids differ per revision, a replay keeps its webhook-id', async () => {
    const region = 'ru-move';
    const t = await setUp(region, 10);
    await t.window([east(region), west(region)]);
    // The first assignments reach the SCM: route_optimized, ROUTE_APPLIED.
    for (const m of t.messages(ROUTE_OPTIMIZED))
      expect((await t.deliver(m)).attempt?.outcome).toBe('delivered');
    const westBefore = await t.state('WEST');
    expect(westBefore.status).toBe('ROUTE_APPLIED');
    expect(westBefore.route).toMatchObject({ vehicleId: 'A', planRevision: 1 });
    const first = scm.received().filter((r) => r.body.includes(`${region}-WEST`));
    expect(first).toHaveLength(1);
    expect(WebhookPayload.parse(JSON.parse(first[0]?.body ?? '')).data.planRevision).toBe(1);

    // B joins the fleet: moving WEST to B gains far more than the penalty of 10.
    t.h.deps.fleet = fleet(
      region,
      [
        { ...A, costPerKm: 5 },
        { ...B, costPerKm: 1 },
      ],
      10,
    );
    await t.window([near(region)]);
    const updates = t.messages(ROUTE_UPDATED);
    expect(updates.map((m) => m.detail.shipmentId)).toEqual([`${region}-WEST`]);
    const moved = await t.state('WEST');
    expect(moved.status).toBe('ROUTE_APPLIED'); // a notice moves no status
    expect(moved.route).toMatchObject({ vehicleId: 'B', planRevision: 2 });
    expect((await t.state('EAST')).route).toMatchObject({ vehicleId: 'A', planRevision: 1 });
    const trail = (await t.h.deps.store.events(`${region}-WEST`)).map((e) => e.type);
    expect(trail.filter((type) => type === 'shipment.route_updated')).toHaveLength(1);

    // Delivered: a signed route_updated with the revision and the reason; a first attempt the SCM
    // fails is retried under the same webhook-id.
    const message = updates[0] as BusMessage;
    scm.control({ failNext: 1, failWith: 503 });
    const { prepared, attempt } = await t.deliver(message);
    expect(attempt?.outcome).toBe('retry');
    expect((await attemptDelivery({ webhookId: prepared.webhookId, attempts: 1 }, t.callbacks)).outcome).toBe(
      'delivered',
    );
    const sent = scm.received().filter((r) => r.webhookId === prepared.webhookId);
    expect(sent.map((r) => r.answer)).toEqual([503, 200]);
    expect(sent.every((r) => r.verified)).toBe(true);
    const payload = RouteUpdatedWebhookPayload.parse(JSON.parse(sent[1]?.body ?? ''));
    expect(payload.data).toMatchObject({
      shipmentId: `${region}-WEST`,
      version: 1,
      vehicleId: 'B',
      planRevision: 2,
    });
    expect(payload.data.reason).toMatch(/moved from vehicle A to B/);
    expect(prepared.webhookId).not.toBe(first[0]?.webhookId); // another plan revision, another webhook-id

    // The bus delivers the same event again (a replay): same webhook-id, nothing sent again.
    const replay = await t.deliver(message);
    expect(replay.prepared).toMatchObject({ webhookId: prepared.webhookId, skip: true, reason: 'duplicate' });
    expect(scm.received().filter((r) => r.webhookId === prepared.webhookId)).toHaveLength(2);
    // The SCM applied the version once and keeps the newest assignment.
    const kept = scm.assignments().get(`${region}-WEST`);
    expect(kept).toMatchObject({ version: 1, vehicleId: 'B', planRevision: 2 });
    expect(kept?.webhookIds.filter((id) => id.startsWith('shipment.route_optimized:'))).toHaveLength(1);
  });

  it('the move penalty prevents a move whose gain is below it: nothing moves, nobody is told', async () => {
    const region = 'ru-keep';
    const t = await setUp(region, 1000);
    await t.window([east(region), west(region)]);
    for (const m of t.messages(ROUTE_OPTIMIZED)) await t.deliver(m);
    t.h.deps.fleet = fleet(
      region,
      [
        { ...A, costPerKm: 5 },
        { ...B, costPerKm: 1 },
      ],
      1000,
    );
    await t.window([near(region)]);
    expect(t.messages(ROUTE_UPDATED)).toEqual([]);
    expect((await t.state('WEST')).route).toMatchObject({ vehicleId: 'A', planRevision: 1 });
    expect((await t.state('EAST')).route).toMatchObject({ vehicleId: 'A', planRevision: 1 });
    expect((await t.state('NEAR')).route?.planRevision).toBe(2);
  });

  it('replan.etaUpdatesBeforeCutoff false: an ETA-only change before the cutoff is not sent, the final at the cutoff carries the new ETA; the default sends it', async () => {
    const etaOf = (state: ShipmentState) => Date.parse(state.route?.eta ?? '');
    for (const etaUpdatesBeforeCutoff of [true, false]) {
      const region = `ru-eta-${etaUpdatesBeforeCutoff}`;
      const t = await setUp(region, 10, etaUpdatesBeforeCutoff);
      // WEST alone: served at the start of its window. Then EAST (08:00-08:10 local, 30 km north)
      // comes first on the one vehicle, and WEST's ETA moves later by far more than 15 minutes.
      await t.window([west(region)]);
      const before = await t.state('WEST');
      await t.window([east(region)]);
      const after = (await t.h.deps.batches.getRegionPlan(region, '2026-11-27'))?.plan as {
        routes: { vehicleId: string; stops: { shipmentId: string; arrival: number }[] }[];
      };
      const planned = after.routes.flatMap((r) => r.stops).find((st) => st.shipmentId === `${region}-WEST`);
      expect(after.routes.map((r) => r.vehicleId)).toEqual(['A']);
      expect((planned?.arrival ?? 0) * 1000 - etaOf(before)).toBeGreaterThan(15 * 60_000);
      const updates = t.messages(ROUTE_UPDATED).map((m) => m.detail.shipmentId);
      expect(updates).toEqual(etaUpdatesBeforeCutoff ? [`${region}-WEST`] : []);

      // The cutoff (20:00 local the day before): the final of each shipment has the plan's ETA.
      await t.h.clock.advance(Date.parse('2026-11-26T19:00:00Z') - t.h.clock.now());
      await freezeDuePlans(t.h.deps);
      const finals = t
        .messages(ROUTE_UPDATED)
        .filter((m) => (m.detail as { final?: boolean }).final === true && m.detail.region === region)
        .map((m) => m.detail as { shipmentId: string; eta: string });
      expect(finals.map((f) => f.shipmentId).sort()).toEqual([`${region}-EAST`, `${region}-WEST`]);
      const finalWest = finals.find((f) => f.shipmentId === `${region}-WEST`);
      expect(Date.parse(finalWest?.eta ?? '')).toBe((planned?.arrival ?? 0) * 1000);
      expect(etaOf(await t.state('WEST'))).toBe((planned?.arrival ?? 0) * 1000);
    }
  });

  it('replan.callbacksBeforeCutoff false: nothing is sent before the cutoff, moves are free, and each shipment gets one callback at the cutoff: route_optimized, final', async () => {
    const region = 'ru-held';
    // A move penalty of 1000 would keep WEST on A (see above): held, the SCM has nothing to un-learn.
    const t = await setUp(region, 1000, true, false);
    const mine = (type: string) => t.messages(type).filter((m) => m.detail.region === region);
    await t.window([east(region), west(region)]);
    expect(mine(ROUTE_OPTIMIZED)).toEqual([]);
    const west1 = await t.state('WEST');
    expect(west1.status).toBe('OPTIMIZED');
    expect(west1.route).toMatchObject({
      vehicleId: 'A',
      planRevision: 1,
      serviceDate: '2026-11-27',
      held: true,
    });
    // A restart finds nothing to announce: the held assignments have no event yet.
    await recoverDeliveries(t.callbacks, () => {});
    // (The table is shared with the tests above: their undelivered shipments are announced again.)
    expect(mine(ROUTE_OPTIMIZED)).toEqual([]);

    t.h.deps.fleet = fleet(
      region,
      [
        { ...A, costPerKm: 5 },
        { ...B, costPerKm: 1 },
      ],
      1000,
      true,
      false,
    );
    await t.window([near(region)]);
    expect(mine(ROUTE_UPDATED)).toEqual([]);
    expect(mine(ROUTE_OPTIMIZED)).toEqual([]);
    // WEST moved to B (the penalty does not apply); GET shows the held assignment where it is now.
    const west2 = await t.state('WEST');
    expect(west2.route).toMatchObject({ vehicleId: 'B', planRevision: 2, held: true });
    expect(scm.received().filter((r) => r.body.includes(region))).toEqual([]);

    // The cutoff: one route_optimized, final, per shipment; delivered, each shipment ROUTE_APPLIED.
    await t.h.clock.advance(Date.parse('2026-11-26T19:00:00Z') - t.h.clock.now());
    const report = await freezeDuePlans(t.h.deps);
    expect(report.finals).toBe(3);
    expect(mine(ROUTE_UPDATED)).toEqual([]);
    const firsts = mine(ROUTE_OPTIMIZED);
    expect(firsts.map((m) => m.detail.shipmentId).sort()).toEqual(
      ['EAST', 'NEAR', 'WEST'].map((id) => `${region}-${id}`),
    );
    for (const m of firsts) expect((await t.deliver(m)).attempt?.outcome).toBe('delivered');
    for (const id of ['EAST', 'NEAR', 'WEST']) {
      const s = await t.state(id);
      expect(s.status).toBe('ROUTE_APPLIED');
      expect(s.route?.held).toBeUndefined();
      expect(s.route?.final).toBe(true);
    }
    const sent = scm.received().filter((r) => r.body.includes(region));
    expect(sent).toHaveLength(3);
    for (const r of sent) {
      expect(r.verified).toBe(true);
      const p = WebhookPayload.parse(JSON.parse(r.body));
      expect(p.data).toMatchObject({ final: true, serviceDate: '2026-11-27' });
      expect(p.data).not.toHaveProperty('held');
    }
    const westSent = WebhookPayload.parse(
      JSON.parse(sent.find((r) => r.body.includes(`${region}-WEST`))?.body ?? ''),
    );
    expect(westSent.data).toMatchObject({ vehicleId: 'B', planRevision: 3 });
    // A second tick sends nothing more.
    expect((await freezeDuePlans(t.h.deps)).finals).toBe(0);
    expect(mine(ROUTE_OPTIMIZED)).toHaveLength(3);
  });
});
