import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METADATA_MAX_DEPTH } from '../../shared/schemas/shipment';
import { sampleShipment } from '../support/arbitraries';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

/**
 * Issue 8 items 2, 3, 4 and 7 over HTTP on the local runtime: bodies that used to crash it, to be
 * accepted and then fail to store (503), or to be accepted and never planned. Each is a 400 naming
 * the field, or is stored and planned like any other; the runtime stays up.
 */
let runtime: RuntimeProcess;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  runtime = await startRuntimeProcess();
  call = api(runtime);
});
afterAll(async () => {
  await runtime?.stop();
  runtime?.cleanup();
});

/** Timeless bodies: the service-date rules are not under test here. */
const body = (overrides: Parameters<typeof sampleShipment>[0] = {}) =>
  sampleShipment({ timeWindow: undefined, ...overrides });
const withRawMetadata = (shipmentId: string, raw: string) =>
  JSON.stringify(body({ shipmentId, metadata: { x: 1 } })).replace('{"x":1}', raw);
const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const fields = (res: { body: { errors?: { field: string }[] } }) =>
  (res.body.errors ?? []).map((e) => e.field);

describe('hostile bodies on the local runtime', () => {
  it('answers metadata nested 1,500 and 10,000 levels with 400 naming it, and stays up', async () => {
    for (const depth of [1_500, 10_000]) {
      for (const headers of [{}, { 'Idempotency-Key': `deep-${depth}` }] as Record<string, string>[]) {
        const res = await call(
          'POST',
          '/v1/shipments',
          withRawMetadata(`DEEP-${depth}`, deep(depth)),
          headers,
        );
        expect(res.status).toBe(400);
        expect(fields(res)).toEqual([['metadata', ...Array(METADATA_MAX_DEPTH).fill('a')].join('.')]);
        expect((await call('GET', `/v1/shipments/DEEP-${depth}`)).status).toBe(404);
      }
    }
    expect((await fetch(`${runtime.url}/health`)).status).toBe(200);
  });

  it('answers numbers DynamoDB cannot store with 400 naming each field', async () => {
    const raw = JSON.stringify(
      body({
        shipmentId: 'TINY-1',
        weightKg: 5e-324,
        origin: { depotId: 'DEPOT-1', lat: 1e-200, lon: 18.06 },
        metadata: { n: 1e200 },
      }),
    );
    const res = await call('POST', '/v1/shipments', raw);
    expect(res.status).toBe(400);
    expect(fields(res).sort()).toEqual(['metadata.n', 'origin.lat', 'weightKg']);
  });

  it('stores metadata keyed by prototype names and numbers past 2^53, echoes it exactly, replays it', async () => {
    const metadata = {
      constructor: { name: 'Number' },
      toString: 'kept',
      hasOwnProperty: [{ constructor: { name: 'Set' } }],
      big: 2 ** 60,
      huge: 9.9e125,
    };
    const shipment = body({ shipmentId: 'PROTO-META', metadata });
    const headers = { 'Idempotency-Key': 'proto-meta-1' };
    const created = await call('POST', '/v1/shipments', shipment, headers);
    expect(created.status).toBe(202);
    expect(created.body.shipment.metadata).toEqual(metadata);
    expect((await call('GET', '/v1/shipments/PROTO-META')).body.shipment.metadata).toEqual(metadata);
    const replayed = await call('POST', '/v1/shipments', shipment, headers);
    expect(replayed.status).toBe(202);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body.shipment.metadata).toEqual(metadata);
  });

  it('plans a SAME_DAY shipment of region and depot constructor in real time (200 with its route)', async () => {
    const res = await call(
      'POST',
      '/v1/shipments',
      body({
        shipmentId: 'constructor',
        region: 'constructor',
        serviceLevel: 'SAME_DAY',
        origin: { depotId: 'constructor', lat: 59.33, lon: 18.06 },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body.route?.vehicleId).toMatch(/^constructor-V\d+$/);
    // Its callback reaches the (fake) SCM like any other: ROUTE_APPLIED.
    let status = res.body.status as string;
    for (let i = 0; i < 100 && status !== 'ROUTE_APPLIED'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await call('GET', '/v1/shipments/constructor')).body.status;
    }
    expect(status).toBe('ROUTE_APPLIED');
    const res2 = await call(
      'POST',
      '/v1/shipments',
      body({
        shipmentId: 'HOP-1',
        region: 'hasOwnProperty',
        serviceLevel: 'NEXT_DAY',
        origin: { depotId: '__proto__', lat: 59.33, lon: 18.06 },
      }),
    );
    expect(res2.status).toBe(202);
  });

  it('refuses a destination on the other side of the globe and a window in year 9999, naming the field', async () => {
    const far = await call(
      'POST',
      '/v1/shipments',
      body({ shipmentId: 'FAR-1', destination: { lat: -33.87, lon: 151.21 } }),
    );
    expect(far.status).toBe(400);
    expect(fields(far)).toEqual(['destination']);
    const year = await call(
      'POST',
      '/v1/shipments',
      body({
        shipmentId: 'Y9999',
        timeWindow: { start: '9999-12-31T08:00:00Z', end: '9999-12-31T12:00:00Z' },
      }),
    );
    expect(year.status).toBe(400);
    expect(fields(year)).toEqual(['timeWindow.start', 'timeWindow.end']);
    for (const id of ['FAR-1', 'Y9999']) expect((await call('GET', `/v1/shipments/${id}`)).status).toBe(404);
    expect((await fetch(`${runtime.url}/health`)).status).toBe(200);
  });
});
