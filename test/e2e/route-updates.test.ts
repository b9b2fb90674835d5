import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCutoffRuntime } from '../support/cutoff-runtime';
import { until } from '../support/until';

/**
 * Contract §3a on the local runtime (TIME_SCALE=60) against its fake SCM: a NEXT_DAY shipment gets
 * its route (route_optimized, planRevision), then at its plan's dispatch cutoff one final callback
 * (route_updated, final: true) under another webhook-id; the SCM applied the version once.
 * The cutoff is set 20 service minutes ahead (20 s here) so the test does not wait for 20:00.
 */
const REGION = 'e2e-cutoff';
let t: Awaited<ReturnType<typeof startCutoffRuntime>>;
beforeAll(async () => {
  t = await startCutoffRuntime(REGION, 20);
});
afterAll(async () => {
  await t?.runtime.stop();
  t?.runtime.cleanup();
});

describe('route updates and the dispatch cutoff on the local runtime (TIME_SCALE=60)', () => {
  it('route_optimized with planRevision, then one final route_updated at the cutoff; one application of the version', async () => {
    const id = 'RU-E2E-1';
    const { call, received, serviceDate } = t;
    const created = await call('POST', '/v1/shipments', t.nextDay(id));
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ serviceDate });
    const final = await until(
      'the final callback',
      async () => {
        const got = await received(id);
        return got.some((r) => r.payload.data.final === true) ? got : undefined;
      },
      60_000,
    );
    const optimized = final.filter((r) => r.payload.type === 'shipment.route_optimized');
    const finals = final.filter((r) => r.payload.type === 'shipment.route_updated' && r.payload.data.final);
    expect(new Set(optimized.map((r) => r.webhookId)).size).toBe(1); // applied once
    expect(finals).toHaveLength(1);
    expect(optimized[0]?.payload.data.planRevision).toBeGreaterThanOrEqual(1);
    expect(finals[0]?.payload.data.planRevision).toBeGreaterThan(optimized[0]?.payload.data.planRevision);
    expect(finals[0]?.webhookId).not.toBe(optimized[0]?.webhookId);
    expect(finals[0]?.payload.data).toMatchObject({ vehicleId: 'V-1', version: 1 });
    const state = await call('GET', `/v1/shipments/${id}`);
    expect(state.body).toMatchObject({ status: 'ROUTE_APPLIED', route: { final: true } });
    // Later ticks (every 5 s here) send nothing more.
    await new Promise((r) => setTimeout(r, 11_000));
    expect((await received(id)).filter((r) => r.payload.data.final)).toHaveLength(1);
  });
});
