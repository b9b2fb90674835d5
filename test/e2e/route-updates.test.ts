import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../shared/domain/calendar';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/**
 * Contract §3a on the local runtime (TIME_SCALE=60) against its fake SCM: a NEXT_DAY shipment gets
 * its route (route_optimized, planRevision), then at its plan's dispatch cutoff one final callback
 * (route_updated, final: true) under another webhook-id; the SCM applied the version once.
 * The cutoff is set 20 service minutes ahead (20 s here) so the test does not wait for 20:00.
 */
const REGION = 'e2e-cutoff';
const cutoffAt = new Date(Date.now() + 20 * 60_000);
const serviceDate = addDays(cutoffAt.toISOString().slice(0, 10), 1);
const FLEET = {
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

describe('route updates and the dispatch cutoff on the local runtime (TIME_SCALE=60)', () => {
  it('route_optimized with planRevision, then one final route_updated at the cutoff; one application of the version', async () => {
    const id = 'RU-E2E-1';
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
    expect(created.body).toMatchObject({ serviceDate });
    const final = await until('the final callback', async () => {
      const got = await received(id);
      return got.some((r) => r.payload.data.final === true) ? got : undefined;
    });
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
