import { afterAll, describe, expect, it } from 'vitest';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

const DONE = ['OPTIMIZED', 'CALLBACK_PENDING', 'ROUTE_APPLIED'];
const REGIONS = [
  { region: 'e2e-north', depot: { depotId: 'N-1', lat: 59.33, lon: 18.06 } },
  { region: 'e2e-west', depot: { depotId: 'W-1', lat: 57.7, lon: 11.97 } },
  { region: 'e2e-south', depot: { depotId: 'S-1', lat: 55.6, lon: 13.0 } },
];

function body(i: number, r: (typeof REGIONS)[number], overrides: Partial<ShipmentBody> = {}): ShipmentBody {
  const angle = (i * 137.5 * Math.PI) / 180;
  const radius = 0.02 + (i % 10) * 0.008;
  return {
    shipmentId: `${r.region}-${i}`,
    version: 1,
    region: r.region,
    serviceLevel: 'NEXT_DAY',
    origin: r.depot,
    destination: {
      lat: r.depot.lat + radius * Math.sin(angle),
      lon: r.depot.lon + radius * 1.8 * Math.cos(angle),
    },
    weightKg: 5 + (i % 20),
    ...overrides,
  };
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

describe('pipeline over HTTP on the local runtime (TIME_SCALE=60)', () => {
  let runtime: RuntimeProcess;
  afterAll(async () => {
    await runtime?.stop();
    runtime?.cleanup();
  });

  it('routes 300 shipments over 3 regions: each in exactly one route, batches of at most 100, nothing left QUEUED', async () => {
    runtime = await startRuntimeProcess({ env: { TIME_SCALE: '60' } });
    const call = api(runtime);
    const bodies = REGIONS.flatMap((r) => Array.from({ length: 100 }, (_, i) => body(i, r)));
    await inParallel(bodies, 12, async (b) => {
      const res = await call('POST', '/v1/shipments', b);
      expect(res.status).toBe(202);
    });
    const states = new Map<string, { status: string; route?: { routeId: string; batchId: string } | null }>();
    const settled = await waitFor(async () => {
      await inParallel(
        bodies.filter((b) => !DONE.includes(states.get(b.shipmentId)?.status ?? '')),
        12,
        async (b) => {
          states.set(b.shipmentId, (await call('GET', `/v1/shipments/${b.shipmentId}`)).body);
        },
      );
      return bodies.every((b) => DONE.includes(states.get(b.shipmentId)?.status ?? ''));
    }, 90_000);
    const notDone = bodies
      .filter((b) => !DONE.includes(states.get(b.shipmentId)?.status ?? ''))
      .map((b) => `${b.shipmentId}:${states.get(b.shipmentId)?.status}`);
    expect(notDone).toEqual([]);
    expect(settled).toBe(true);

    // Every shipment appears in exactly one route, the one its state names.
    const withoutRoute = [...states.entries()]
      .filter(([, s]) => !s.route?.routeId)
      .map(([id, s]) => `${id}:${s.status}`);
    expect(withoutRoute).toEqual([]);
    const routeIds = new Set([...states.values()].map((s) => s.route?.routeId ?? ''));
    const seen = new Map<string, number>();
    const batchSizes = new Map<string, number>();
    for (const routeId of routeIds) {
      const res = await call('GET', `/v1/routes/${routeId}`);
      expect(res.status, `GET /v1/routes/${routeId}`).toBe(200);
      const route = res.body as {
        batchId: string;
        region: string;
        stops: { shipmentId: string }[];
      };
      for (const stop of route.stops) {
        seen.set(stop.shipmentId, (seen.get(stop.shipmentId) ?? 0) + 1);
        expect(`${route.region}:${stop.shipmentId}`).toMatch(new RegExp(`^${route.region}:${route.region}-`));
      }
      batchSizes.set(route.batchId, (batchSizes.get(route.batchId) ?? 0) + route.stops.length);
    }
    expect(seen.size).toBe(300);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    for (const b of bodies) expect(states.get(b.shipmentId)?.route?.routeId).toBeDefined();
    expect(Math.max(...batchSizes.values())).toBeLessThanOrEqual(100);
    // Consolidation: far fewer routes than shipments.
    expect(routeIds.size).toBeLessThan(100);
  });
});

describe('URGENT real-time path over HTTP', () => {
  let runtime: RuntimeProcess;
  afterAll(async () => {
    await runtime?.stop();
    runtime?.cleanup();
  });

  it('answers 200 with a route within the budget', async () => {
    runtime = await startRuntimeProcess({ env: { TIME_SCALE: '60' } });
    const call = api(runtime);
    const started = Date.now();
    const res = await call(
      'POST',
      '/v1/shipments',
      body(1, REGIONS[0] as (typeof REGIONS)[number], { shipmentId: 'URG-OK', serviceLevel: 'SAME_DAY' }),
    );
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'OPTIMIZED', priority: 'URGENT' });
    expect(res.body.route).toMatchObject({
      sequence: 1,
      routeId: expect.any(String),
      vehicleId: expect.any(String),
    });
    expect(elapsed).toBeLessThan(10_000);
    const route = await call('GET', `/v1/routes/${res.body.route.routeId}`);
    expect(route.body.stops.map((s: { shipmentId: string }) => s.shipmentId)).toContain('URG-OK');
    const events = (await call('GET', '/v1/shipments/URG-OK/events')).body.events.map(
      (e: { type: string; status: string }) => `${e.type}:${e.status}`,
    );
    expect(events.slice(0, 3)).toEqual([
      'shipment.created:RECEIVED',
      'shipment.optimizing:OPTIMIZING',
      'shipment.optimized:OPTIMIZED',
    ]);
  });

  it('answers 202 when the budget runs out, and the p0 consumer optimizes it within seconds', async () => {
    await runtime.stop();
    runtime = await startRuntimeProcess({
      dataDir: runtime.dataDir,
      env: { TIME_SCALE: '60', URGENT_BUDGET_MS: '1' },
    });
    const call = api(runtime);
    const res = await call(
      'POST',
      '/v1/shipments',
      body(2, REGIONS[0] as (typeof REGIONS)[number], { shipmentId: 'URG-LATE', serviceLevel: 'SAME_DAY' }),
    );
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('QUEUED');
    const optimized = await waitFor(
      async () => DONE.includes((await call('GET', '/v1/shipments/URG-LATE')).body.status),
      15_000,
    );
    expect(optimized).toBe(true);
    const events = (await call('GET', '/v1/shipments/URG-LATE/events')).body.events.map(
      (e: { type: string }) => e.type,
    );
    expect(events).toEqual(
      expect.arrayContaining(['shipment.created', 'shipment.queued', 'shipment.optimized']),
    );
  });
});
