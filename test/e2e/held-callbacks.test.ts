import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../shared/domain/calendar';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/**
 * `FLEET_CONFIG.replan.callbacksBeforeCutoff: false` on the local runtime (TIME_SCALE=60) against
 * its fake SCM: a NEXT_DAY shipment is planned and held (GET: OPTIMIZED, `route.held`), the SCM is
 * sent nothing until its plan's dispatch cutoff, then exactly one callback, route_optimized with
 * final: true and the serviceDate, which the SCM applies (ROUTE_APPLIED).
 * The cutoff is set 40 service minutes ahead (40 s here) so the test does not wait for 20:00.
 */
const REGION = 'e2e-held';
// 40 service minutes ahead: the runtime's start and the 10-minute window come well before it.
const cutoffAt = new Date(Date.now() + 40 * 60_000);
const serviceDate = addDays(cutoffAt.toISOString().slice(0, 10), 1);
const FLEET = {
  replan: { callbacksBeforeCutoff: false },
  calendar: {
    timeZone: 'UTC',
    dispatchCutoff: { time: cutoffAt.toISOString().slice(11, 16), daysBefore: 1 },
  },
  regions: {
    [REGION]: {
      depots: [{ id: 'D-1', lat: 59.33, lon: 18.06 }],
      vehicles: [
        { id: 'V-1', depotId: 'D-1', capacityWeightKg: 1000, shiftStart: '07:00', shiftEnd: '17:00' },
      ],
    },
  },
};

let runtime: RuntimeProcess;
let call: ReturnType<typeof api>;
let scmUrl: string;
beforeAll(async () => {
  runtime = await startRuntimeProcess({ env: { TIME_SCALE: '60', FLEET_CONFIG: JSON.stringify(FLEET) } });
  call = api(runtime);
  scmUrl = (
    JSON.parse(readFileSync(join(runtime.dataDir, 'callbacks.json'), 'utf8')) as { fakeScmUrl: string }
  ).fakeScmUrl;
});
afterAll(async () => {
  await runtime?.stop();
  runtime?.cleanup();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Received {
  webhookId: string;
  body: string;
  answer: number | string;
}
const received = async (shipmentId: string) =>
  ((await (await fetch(`${scmUrl}/_received`)).json()) as Received[])
    .filter((r) => r.answer === 200)
    .map((r) => ({ webhookId: r.webhookId, payload: JSON.parse(r.body) }))
    .filter((r) => r.payload.data?.shipmentId === shipmentId);

describe('callbacks held until the cutoff on the local runtime (TIME_SCALE=60)', () => {
  it('nothing before the cutoff, then one route_optimized with final: true; the SCM applies it', async () => {
    const id = 'HELD-E2E-1';
    const created = await call('POST', '/v1/shipments', {
      shipmentId: id,
      version: 1,
      region: REGION,
      serviceLevel: 'NEXT_DAY',
      origin: { depotId: 'D-1', lat: 59.33, lon: 18.06 },
      destination: { lat: 59.35, lon: 18.0 },
      timeWindow: { start: `${serviceDate}T08:00:00Z`, end: `${serviceDate}T16:00:00Z` },
      weightKg: 20,
    });
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
