import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookIdOf, webhookPayload } from '../../../shared/domain/callbacks/payloads';
import { recoverDeliveries } from '../../../shared/domain/callbacks/recovery';
import type { BusMessage } from '../../../shared/domain/ports';
import { EVENT_SOURCE, type RouteOptimizedDetail } from '../../../shared/schemas/events';
import { type Harness, startHarness } from './harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** The bus as the local runtime has it: each route.optimized starts a delivery. */
const busToMachine = () => ({
  async publish(messages: BusMessage[]) {
    for (const m of messages) {
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
});

describe('deliveries after a restart of the local runtime', () => {
  it('a delivery whose start was only in memory (OPTIMIZED, no callback yet) is found again and delivered once, same webhook-id', async () => {
    h = await startHarness();
    // Three optimized shipments; the runtime died after the bus took their events, before any
    // delivery ran its first task: nothing but the audit trail knows about them.
    const lost = [];
    for (let i = 0; i < 3; i++) lost.push(await h.optimizedShipment(`SHP-LOST-${i}`));
    // One whose delivery did start: it is not announced again.
    const started = await h.optimizedShipment('SHP-STARTED');
    h.machine.start(started);
    await h.runToEnd();
    const deps = { ...h.deps, publisher: busToMachine() };
    const start = (input: unknown) => h.machine.start(input);
    expect(await recoverDeliveries(deps, start)).toEqual({ resumed: 0, announced: 3, settled: 0 });
    await h.runToEnd();
    for (const [i, envelope] of lost.entries()) {
      expect((await h.shipment(`SHP-LOST-${i}`))?.status).toBe('ROUTE_APPLIED');
      const id = webhookIdOf((envelope.detail as RouteOptimizedDetail).eventId);
      expect(h.scm.received().filter((r) => r.webhookId === id && r.answer === 200)).toHaveLength(1);
    }
    // Nothing left to announce, nothing delivered twice.
    expect(await recoverDeliveries(deps, start)).toEqual({ resumed: 0, announced: 0, settled: 0 });
    expect(h.scm.received()).toHaveLength(4);
  });

  it('a delivery resumed after it had created its callback but not yet moved the shipment ends ROUTE_APPLIED', async () => {
    h = await startHarness();
    const envelope = await h.optimizedShipment('SHP-HALF');
    const detail = envelope.detail as RouteOptimizedDetail;
    const webhookId = webhookIdOf(detail.eventId);
    const at = new Date(h.clock.now()).toISOString();
    // What the first task had written when the process died: the callback, PENDING.
    await h.deps.callbacks.create({
      webhookId,
      shipmentId: detail.shipmentId,
      version: detail.version,
      correlationId: detail.correlationId,
      endpoint: h.deps.config.endpoint,
      mode: 'live',
      body: JSON.stringify(webhookPayload(detail, at.replace(/\.\d{3}Z$/, 'Z'))),
      status: 'PENDING',
      attempts: 0,
      totalAttempts: 0,
      deliveries: 1,
      executionId: 'the-execution-that-died',
      createdAt: at,
      updatedAt: at,
      rev: 1,
    });
    expect((await h.shipment('SHP-HALF'))?.status).toBe('OPTIMIZED');
    h.machine.start({ resume: { webhookId } });
    await h.runToEnd();
    expect((await h.shipment('SHP-HALF'))?.status).toBe('ROUTE_APPLIED');
    expect(await h.trail('SHP-HALF')).toEqual(
      expect.arrayContaining([
        'shipment.callback_pending:CALLBACK_PENDING',
        'shipment.route_applied:ROUTE_APPLIED',
      ]),
    );
    expect((await h.deps.callbacks.get(webhookId))?.status).toBe('COMPLETED');
  });
});
