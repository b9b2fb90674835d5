import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noMetrics } from '../../../shared/domain/batching/batching-deps';
import { giveUpShipment } from '../../../shared/domain/batching/unplanned';
import { commit, submitShipment } from '../../../shared/domain/use-cases/shipments';
import { FleetConfig, type RegionPlan } from '../../../shared/schemas/batching';
import { RouteUpdatedWebhookPayload, UnassignedWebhookPayload } from '../../../shared/schemas/callbacks';
import { EVENT_SOURCE, ROUTE_UPDATED, SHIPMENT_UNASSIGNED } from '../../../shared/schemas/events';
import { type Harness, startHarness } from './harness';

/** shipment.unassigned through the deployed delivery definition, to the fake SCM. */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** A shipment given up as unplannable, and its shipment.unassigned event as the bus delivers it. */
async function givenUp(shipmentId: string, planRevision?: number) {
  const shipmentDeps = { ...h.deps, priorityPolicy: { urgentDeclaredValue: 10_000 } };
  const { state } = await submitShipment(
    {
      body: {
        shipmentId,
        version: 2,
        region: 'eu-north',
        serviceLevel: 'NEXT_DAY',
        origin: { depotId: 'DEPOT-1', lat: 59.33, lon: 18.06 },
        destination: { lat: 59.4, lon: 17.95 },
        weightKg: 5000,
      },
      correlationId: `corr-${shipmentId}`,
      mode: 'create',
    },
    shipmentDeps,
  );
  const plan = planRevision === undefined ? undefined : ({ revision: planRevision } as RegionPlan);
  const batches = { getRegionPlan: async () => plan } as never;
  const stale = await giveUpShipment(state, 'unassigned (capacity) in 3 windows: needs attention', {
    ...shipmentDeps,
    batches,
    metrics: noMetrics,
    fleet: FleetConfig.parse({}),
  });
  const message = h.publisher.published.find(
    (m) => m.detailType === SHIPMENT_UNASSIGNED && m.detail.shipmentId === shipmentId,
  );
  if (!stale || !message) throw new Error('not given up');
  return {
    stale,
    envelope: {
      version: '0',
      id: randomUUID(),
      'detail-type': SHIPMENT_UNASSIGNED,
      source: EVENT_SOURCE,
      time: new Date(h.deps.clock.now()).toISOString(),
      detail: message.detail,
    },
    webhookId: `msg_${message.detail.eventId}`,
  };
}

describe('shipment.unassigned callbacks', () => {
  it('sends a signed shipment.unassigned with the reason and plan revision; the shipment stays STALE whatever the SCM answers', async () => {
    for (const [id, answer] of [
      ['SHP-UA-200', 200],
      ['SHP-UA-409', 409],
      ['SHP-UA-410', 410],
    ] as const) {
      h.scm.control({ answer });
      const { webhookId, envelope } = await givenUp(id, 7);
      h.machine.start(envelope);
      await h.runToEnd();
      const sent = h.scm.received().filter((r) => r.webhookId === webhookId);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.verified).toBe(true);
      const body = UnassignedWebhookPayload.parse(JSON.parse(sent[0]?.body ?? '{}'));
      expect(body.data).toEqual({
        shipmentId: id,
        version: 2,
        correlationId: `corr-${id}`,
        reason: 'unassigned (capacity) in 3 windows: needs attention',
        planRevision: 7,
      });
      const state = await h.shipment(id);
      expect(state).toMatchObject({ status: 'STALE', statusReason: body.data.reason });
      expect((await h.trail(id)).at(-1)).toBe('shipment.unassigned:STALE');
      expect(await h.deps.callbacks.get(webhookId)).toMatchObject({
        type: 'shipment.unassigned',
        status: 'COMPLETED',
      });
    }
    // An SCM that ignores the type: 2xx, and nothing is applied in its listing.
    const listing = (await (
      await fetch(`${h.scm.url}/shipments?updatedSince=1970-01-01T00:00:00Z`)
    ).json()) as unknown[];
    expect(listing).toEqual([]);
  });

  it('omits planRevision when the region has no plan, and a failing notice goes to the DLQ with callback.failed, the shipment untouched', async () => {
    h.scm.control({ answer: 400 });
    const { webhookId, envelope } = await givenUp('SHP-UA-400');
    h.machine.start(envelope);
    await h.runToEnd();
    const body = JSON.parse(h.scm.received()[0]?.body ?? '{}');
    expect(body.type).toBe('shipment.unassigned');
    expect(body.data).not.toHaveProperty('planRevision');
    expect((await h.drainDlq()).map((l) => l.webhookId)).toEqual([webhookId]);
    expect(h.publisher.published.map((m) => m.detailType)).toContain('callback.failed');
    expect((await h.shipment('SHP-UA-400'))?.status).toBe('STALE');
  });

  it('a duplicate shipment.unassigned event sends one notice', async () => {
    const { webhookId, envelope } = await givenUp('SHP-UA-DUP');
    h.machine.start(envelope);
    h.machine.start({ ...envelope, id: randomUUID() });
    await h.runToEnd();
    expect(h.scm.received().filter((r) => r.webhookId === webhookId)).toHaveLength(1);
  });

  it('sends shipment.route_updated as a notice with the new assignment; the shipment keeps its status', async () => {
    const routed = await h.optimizedShipment('SHP-RU-1');
    const stored = await h.shipment('SHP-RU-1');
    if (!stored?.route) throw new Error('no route');
    const route = { ...stored.route, sequence: 2, stops: 11 };
    const { event } = await commit({ ...h.deps }, stored, {
      type: 'shipment.route_updated',
      status: stored.status,
      version: stored.version,
      correlationId: stored.correlationId,
      patch: { route },
      busEvent: {
        detailType: ROUTE_UPDATED,
        detail: {
          shipmentId: 'SHP-RU-1',
          version: 1,
          correlationId: stored.correlationId,
          region: stored.region,
          priority: stored.priority,
          ...route,
          reason: 'shipment SHP-X was cancelled: its stop left route R-SHP-1',
        },
      },
    });
    expect(routed.detail).toBeDefined();
    h.machine.start({
      ...routed,
      id: randomUUID(),
      'detail-type': ROUTE_UPDATED,
      detail: event.outbox?.detail,
    });
    await h.runToEnd();
    const sent = h.scm.received().filter((r) => r.webhookId === `msg_${event.eventId}`);
    expect(sent).toHaveLength(1);
    const body = RouteUpdatedWebhookPayload.parse(JSON.parse(sent[0]?.body ?? '{}'));
    expect(body.data).toMatchObject({
      shipmentId: 'SHP-RU-1',
      routeId: 'R-SHP-RU-1',
      sequence: 2,
      stops: 11,
    });
    expect((await h.shipment('SHP-RU-1'))?.status).toBe('OPTIMIZED');
  });
});
