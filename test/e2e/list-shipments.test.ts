import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/** GET /v1/shipments over HTTP on the local runtime (consumers off: the shipments stay QUEUED). */
let runtime: RuntimeProcess;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  runtime = await startRuntimeProcess({ env: { LOCAL_CONSUMERS: 'off' } });
  call = api(runtime);
  for (let i = 0; i < 5; i++) {
    const res = await call('POST', '/v1/shipments', {
      shipmentId: `LIST-${i}`,
      version: 1,
      region: i < 3 ? 'list-e2e-a' : 'list-e2e-b',
      serviceLevel: 'NEXT_DAY',
      origin: { depotId: 'DEPOT-1', lat: 59.33, lon: 18.06 },
      destination: { lat: 59.36 + i * 0.01, lon: 18.0 },
      weightKg: 3,
    });
    expect(res.status).toBe(202);
  }
});
afterAll(async () => {
  await runtime?.stop();
  runtime?.cleanup();
});

describe('GET /v1/shipments', () => {
  it('pages through QUEUED shipments of a region by links.next', async () => {
    const seen: string[] = [];
    let path: string | null = '/v1/shipments?status=QUEUED&region=list-e2e-a&limit=2';
    while (path) {
      const res = await call('GET', path);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(
        ...res.body.items.map((s: { shipmentId: string; status: string }) => `${s.shipmentId}:${s.status}`),
      );
      expect(res.body.nextCursor === null).toBe(res.body.links.next === null);
      path = res.body.links.next;
    }
    expect(seen).toEqual(['LIST-0:QUEUED', 'LIST-1:QUEUED', 'LIST-2:QUEUED']);
  });

  it('answers 400 naming the parameter, and 401 without the key', async () => {
    const none = await call('GET', '/v1/shipments');
    expect(none.status).toBe(400);
    expect(JSON.stringify(none.body)).toContain('status');
    const bad = await call('GET', '/v1/shipments?region=list-e2e-a&updatedSince=yesterday');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('updatedSince');
    const forged = await call('GET', '/v1/shipments?region=list-e2e-a&cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(JSON.stringify(forged.body)).toContain('cursor');
    const anonymous = await fetch(`${runtime.url}/v1/shipments?region=list-e2e-a`);
    expect(anonymous.status).toBe(401);
  });
});
