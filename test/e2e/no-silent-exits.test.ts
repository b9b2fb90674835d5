import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';
import { until } from '../support/until';

/**
 * Nothing leaves the system silently: a shipment that cannot be planned ends visible with its
 * reason, and the SCM (the built-in fake) receives shipment.unassigned. TIME_SCALE=60: a
 * 10-minute window lasts 10 s; MAX_UNASSIGNED_WINDOWS=1 gives up after the first window.
 */
let runtime: RuntimeProcess;
let call: ReturnType<typeof api>;
let scmUrl: string;

beforeAll(async () => {
  runtime = await startRuntimeProcess({ env: { TIME_SCALE: '60', MAX_UNASSIGNED_WINDOWS: '1' } });
  call = api(runtime);
  scmUrl = (
    JSON.parse(readFileSync(join(runtime.dataDir, 'callbacks.json'), 'utf8')) as { fakeScmUrl: string }
  ).fakeScmUrl;
});

afterAll(async () => {
  await runtime?.stop();
  runtime?.cleanup();
});

type Received = { webhookId: string; verified: boolean; answer: number | string; body: string };
const received = async (): Promise<Received[]> =>
  (await fetch(`${scmUrl}/_received`)).json() as Promise<Received[]>;

const tomorrow = () => {
  const start = new Date(Date.now() + 86_400_000);
  start.setUTCHours(8, 0, 0, 0);
  return { start: start.toISOString(), end: new Date(start.getTime() + 8 * 3600_000).toISOString() };
};

const noticeFor = async (shipmentId: string) =>
  (await received())
    .map((r) => ({ ...r, payload: JSON.parse(r.body) as { type: string; data: Record<string, unknown> } }))
    .find((r) => r.payload.type === 'shipment.unassigned' && r.payload.data.shipmentId === shipmentId);

describe('a shipment that cannot be planned', () => {
  it('NEXT_DAY heavier than any vehicle: STALE with the reason, and the SCM receives shipment.unassigned', async () => {
    const id = 'SHP-UNPLANNABLE-1';
    const created = await call('POST', '/v1/shipments', {
      shipmentId: id,
      version: 1,
      region: 'eu-north',
      serviceLevel: 'NEXT_DAY',
      origin: { depotId: 'DEPOT-1', lat: 59.33, lon: 18.06 },
      destination: { lat: 59.4, lon: 17.95 },
      timeWindow: tomorrow(),
      weightKg: 5000,
    });
    expect(created.status).toBe(202);
    const notice = await until('shipment.unassigned at the SCM', () => noticeFor(id));
    expect(notice.verified).toBe(true);
    expect(notice.answer).toBe(200);
    expect(notice.payload.data).toMatchObject({ shipmentId: id, version: 1 });
    expect(String(notice.payload.data.reason)).toContain('capacity');
    const shipment = (await call('GET', `/v1/shipments/${id}`)).body;
    expect(shipment?.status).toBe('STALE');
    expect(shipment?.statusReason).toBe(notice.payload.data.reason);
    const events = (await call('GET', `/v1/shipments/${id}/events`)).body;
    expect(JSON.stringify(events)).toContain('shipment.unassigned');
  });

  it('SAME_DAY heavier than any vehicle: after its p0 retries it is STALE with the reason, and the SCM receives shipment.unassigned', async () => {
    const id = 'SHP-UNPLANNABLE-URGENT-1';
    const created = await call('POST', '/v1/shipments', {
      shipmentId: id,
      version: 1,
      region: 'eu-north',
      serviceLevel: 'SAME_DAY',
      origin: { depotId: 'DEPOT-1', lat: 59.33, lon: 18.06 },
      destination: { lat: 59.4, lon: 17.95 },
      weightKg: 5000,
    });
    expect(created.status).toBe(202);
    const notice = await until('shipment.unassigned at the SCM', () => noticeFor(id), 90_000);
    expect(notice.verified).toBe(true);
    expect(String(notice.payload.data.reason)).toContain('URGENT: not placed in 5 attempts');
    const shipment = (await call('GET', `/v1/shipments/${id}`)).body;
    expect(shipment?.status).toBe('STALE');
    expect(shipment?.statusReason).toBe(notice.payload.data.reason);
  }, 120_000);
});

describe('a cancelled shipment with a route', () => {
  it('leaves GET /v1/routes/{id}, the other stop is renumbered and the SCM receives shipment.route_updated for it; a newer version is 409 shipment-cancelled', async () => {
    const body = (shipmentId: string, lat: number) => ({
      shipmentId,
      version: 1,
      region: 'eu-cancel',
      serviceLevel: 'SAME_DAY',
      origin: { depotId: 'DEPOT-C', lat: 59.33, lon: 18.06 },
      destination: { lat, lon: 17.95 },
      weightKg: 12.5,
    });
    const first = await call('POST', '/v1/shipments', body('SHP-CAN-ROUTE-1', 59.4));
    const second = await call('POST', '/v1/shipments', body('SHP-CAN-ROUTE-2', 59.41));
    expect([first.status, second.status]).toEqual([200, 200]);
    const routeId = first.body.route.routeId as string;
    // The second joined the vehicle held for the first (URGENT_DISPATCH_LEAD_SECONDS).
    expect(second.body.route.routeId).toBe(routeId);
    await until('both ROUTE_APPLIED', async () => {
      const statuses = await Promise.all(
        ['SHP-CAN-ROUTE-1', 'SHP-CAN-ROUTE-2'].map(
          async (id) => (await call('GET', `/v1/shipments/${id}`)).body?.status,
        ),
      );
      return statuses.every((s) => s === 'ROUTE_APPLIED') ? true : undefined;
    });
    const before = (await call('GET', `/v1/routes/${routeId}`)).body;
    expect(before.stops.map((s: { shipmentId: string }) => s.shipmentId).sort()).toEqual([
      'SHP-CAN-ROUTE-1',
      'SHP-CAN-ROUTE-2',
    ]);

    const cancelled = await call('POST', '/v1/shipments/SHP-CAN-ROUTE-1/cancel', { reason: 'customer' });
    expect(cancelled.status).toBe(200);
    const after = await until('the stop leaves the route', async () => {
      const route = (await call('GET', `/v1/routes/${routeId}`)).body;
      return route.stops.length === 1 ? route : undefined;
    });
    expect(after.stops).toMatchObject([{ shipmentId: 'SHP-CAN-ROUTE-2', sequence: 1 }]);
    const notice = await until('shipment.route_updated at the SCM', async () =>
      (await received())
        .map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> })
        .find((p) => p.type === 'shipment.route_updated' && p.data.shipmentId === 'SHP-CAN-ROUTE-2'),
    );
    expect(notice.data).toMatchObject({ routeId, sequence: 1, stops: 1 });
    const other = (await call('GET', '/v1/shipments/SHP-CAN-ROUTE-2')).body;
    expect(other).toMatchObject({ status: 'ROUTE_APPLIED', route: { routeId, sequence: 1, stops: 1 } });

    const reopened = await call('POST', '/v1/shipments', { ...body('SHP-CAN-ROUTE-1', 59.4), version: 2 });
    expect(reopened.status).toBe(409);
    expect(reopened.body.type).toMatch(/\/shipment-cancelled$/);
  }, 90_000);
});
