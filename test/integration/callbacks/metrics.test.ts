import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, START, startHarness } from './harness';

/** The contract §5 metrics the delivery path knows: end-to-end time and circuit state per endpoint. */
let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('callback metrics', () => {
  it('EndToEndSeconds: received → ROUTE_APPLIED on the service clock, once per applied shipment', async () => {
    h = await startHarness();
    const envelope = await h.optimizedShipment('SHP-E2E-1'); // received at START
    // The SCM fails the first attempt: applied at the +30 s retry, 30 s after receipt.
    h.scm.control({ failNext: 1, failWith: 503 });
    h.clock.advanceTo(START + 4_000);
    h.machine.start(envelope);
    await h.runToEnd();
    expect((await h.shipment('SHP-E2E-1'))?.status).toBe('ROUTE_APPLIED');
    const e2e = h.samples.filter((s) => s.name === 'EndToEndSeconds');
    expect(e2e).toHaveLength(1);
    expect(e2e[0]?.value).toBe(34);
    expect(h.samples.filter((s) => s.name === 'CallbackDelivered')).toHaveLength(1);
  });

  it('no EndToEndSeconds when the SCM answers 409 (the shipment is re-queued, not applied)', async () => {
    h = await startHarness();
    const envelope = await h.optimizedShipment('SHP-E2E-2');
    h.scm.control({ failNext: 1, failWith: 409 });
    h.machine.start(envelope);
    await h.runToEnd();
    expect((await h.shipment('SHP-E2E-2'))?.status).toBe('QUEUED');
    expect(h.samples.filter((s) => s.name === 'EndToEndSeconds')).toEqual([]);
  });

  it('CircuitState carries the endpoint: 1 when its breaker opens, 0 when it closes', async () => {
    h = await startHarness();
    h.scm.control({ failNext: 5, failWith: 500 });
    for (let i = 0; i < 5; i++) h.machine.start(await h.optimizedShipment(`SHP-CB-${i}`));
    await h.settle();
    await h.runToEnd();
    const states = h.samples.filter((s) => s.name === 'CircuitState');
    expect(states.map((s) => s.value)).toEqual([1, 0]);
    for (const s of states) expect(s.dimensions).toEqual({ endpoint: h.scm.webhookUrl });
  });
});
