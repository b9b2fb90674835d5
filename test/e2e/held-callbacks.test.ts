import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCutoffRuntime } from '../support/cutoff-runtime';
import { until } from '../support/until';

/**
 * `FLEET_CONFIG.replan.callbacksBeforeCutoff: false` on the local runtime (TIME_SCALE=60) against
 * its fake SCM: a NEXT_DAY shipment is planned and held (GET: OPTIMIZED, `route.held`), the SCM is
 * sent nothing until its plan's dispatch cutoff, then exactly one callback, route_optimized with
 * final: true and the serviceDate, which the SCM applies (ROUTE_APPLIED).
 * The cutoff is set 40 service minutes ahead (40 s here) so the test does not wait for 20:00.
 */
const REGION = 'e2e-held';
let t: Awaited<ReturnType<typeof startCutoffRuntime>>;
beforeAll(async () => {
  // 40 service minutes ahead: the runtime's start and the 10-minute window come well before it.
  t = await startCutoffRuntime(REGION, 40, { callbacksBeforeCutoff: false });
});
afterAll(async () => {
  await t?.runtime.stop();
  t?.runtime.cleanup();
});

describe('callbacks held until the cutoff on the local runtime (TIME_SCALE=60)', () => {
  it('nothing before the cutoff, then one route_optimized with final: true; the SCM applies it', async () => {
    const id = 'HELD-E2E-1';
    const { call, received, serviceDate } = t;
    const created = await call('POST', '/v1/shipments', t.nextDay(id));
    expect(created.status).toBe(202);
    // Planned by its window (10 service minutes: 10 s here), held: nothing sent.
    const held = await until('the held assignment', async () => {
      const got = await call('GET', `/v1/shipments/${id}`);
      return (got.body as { status?: string }).status === 'OPTIMIZED' ? got.body : undefined;
    });
    expect(held).toMatchObject({ route: { held: true, serviceDate, vehicleId: 'V-1' } });
    expect(await received(id)).toEqual([]);

    const sent = await until('the callback at the cutoff', async () => {
      const got = await received(id);
      return got.length > 0 ? got : undefined;
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.payload).toMatchObject({
      type: 'shipment.route_optimized',
      data: { shipmentId: id, version: 1, vehicleId: 'V-1', final: true, serviceDate },
    });
    expect(sent[0]?.payload.data).not.toHaveProperty('held');
    const applied = await until('ROUTE_APPLIED', async () => {
      const got = await call('GET', `/v1/shipments/${id}`);
      return (got.body as { status?: string }).status === 'ROUTE_APPLIED' ? got.body : undefined;
    });
    expect(applied).toMatchObject({ route: { final: true, serviceDate } });
    expect((applied as { route?: object }).route).not.toHaveProperty('held');
    // Later ticks (every 5 s here) send nothing more.
    await new Promise((r) => setTimeout(r, 11_000));
    expect(await received(id)).toHaveLength(1);
  });
});
