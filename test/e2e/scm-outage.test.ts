import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/**
 * The fake SCM answers 500 for 30 simulated minutes (30 s at TIME_SCALE=60) while callbacks are
 * due: the breaker opens, one probe a minute fails, and no delivery uses up its attempts.
 */
describe('an SCM outage on the local runtime', () => {
  let runtime: RuntimeProcess | undefined;
  afterAll(async () => {
    await runtime?.stop();
    runtime?.cleanup();
  });

  it('30 simulated minutes of 500s: nothing CALLBACK_FAILED, each callback applied once after', async () => {
    runtime = await startRuntimeProcess({ env: { TIME_SCALE: '60' } });
    const call = api(runtime);
    const { fakeScmUrl } = JSON.parse(readFileSync(join(runtime.dataDir, 'callbacks.json'), 'utf8')) as {
      fakeScmUrl: string;
    };
    const control = (body: unknown) =>
      fetch(`${fakeScmUrl}/_control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await control({ failNext: 1_000_000, failWith: 500 });
    const ids = Array.from({ length: 6 }, (_, i) => `OUT-${i}`);
    for (const [i, shipmentId] of ids.entries()) {
      const res = await call('POST', '/v1/shipments', {
        shipmentId,
        version: 1,
        region: 'outage-north',
        serviceLevel: 'SAME_DAY',
        origin: { depotId: 'OUT-D1', lat: 59.33, lon: 18.06 },
        destination: { lat: 59.35 + i * 0.01, lon: 18.0 + i * 0.015 },
        weightKg: 4 + i,
      });
      expect(res.status).toBeOneOf([200, 202]);
    }
    const outageStarted = Date.now();
    const statuses = async () =>
      Promise.all(ids.map(async (id) => (await call('GET', `/v1/shipments/${id}`)).body.status as string));
    while (Date.now() - outageStarted < 30_000) {
      expect(await statuses()).not.toContain('CALLBACK_FAILED');
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await control({ failNext: 0 });
    const deadline = Date.now() + 30_000;
    let last: string[] = [];
    while (Date.now() < deadline) {
      last = await statuses();
      if (last.every((s) => s === 'ROUTE_APPLIED')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(last).toEqual(ids.map(() => 'ROUTE_APPLIED'));
    const received = (await (await fetch(`${fakeScmUrl}/_received`)).json()) as {
      webhookId: string;
      answer: number | string;
      body: string;
    }[];
    // Route notices (route_updated: a move, the final one at the cutoff) are taken too; a version
    // is applied only by its route_optimized.
    const applied = received.filter(
      (r) => r.answer === 200 && JSON.parse(r.body).type === 'shipment.route_optimized',
    );
    expect(applied).toHaveLength(6);
    expect(new Set(applied.map((r) => r.webhookId)).size).toBe(6);
    const failed = received.filter((r) => r.answer === 500).length;
    console.info('outage figures', JSON.stringify({ failedAnswers: failed, applied: applied.length }));
    // The failures that opened the breaker, then about one probe per simulated minute.
    expect(failed).toBeLessThan(6 + 30 + 10);
  }, 120_000);
});
