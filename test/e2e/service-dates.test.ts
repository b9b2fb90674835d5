import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, instantOf, localDateOf } from '../../shared/domain/calendar';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';
import { until } from '../support/until';

/**
 * Issue 10 as a user met it: a NEXT_DAY shipment with tomorrow's window, posted today, ended STALE
 * ("unassigned (shift) in 3 windows"). The local runtime (`npm start`, TIME_SCALE=60) with a
 * Stockholm calendar and a configured fleet working 07:00-17:00 local.
 */
const TZ = 'Europe/Stockholm';
const REGION = 'se-sthlm';
const FLEET = {
  calendar: { timeZone: TZ },
  regions: {
    [REGION]: {
      depots: [{ id: 'STO-1', lat: 59.33, lon: 18.06 }],
      vehicles: [
        { id: 'STO-V1', depotId: 'STO-1', capacityWeightKg: 1000, shiftStart: '07:00', shiftEnd: '17:00' },
        { id: 'STO-V2', depotId: 'STO-1', capacityWeightKg: 1000, shiftStart: '07:00', shiftEnd: '17:00' },
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

/** Tomorrow's local date in Stockholm, two days ahead of the runtime's scaled clock at most. */
const tomorrow = addDays(localDateOf(Date.now(), TZ), 1);
const local = (hhmm: string) => new Date(instantOf(tomorrow, hhmm, TZ)).toISOString();

const body = (shipmentId: string, i: number, overrides: Record<string, unknown> = {}) => ({
  shipmentId,
  version: 1,
  region: REGION,
  serviceLevel: 'NEXT_DAY',
  origin: { depotId: 'STO-1', lat: 59.33, lon: 18.06 },
  destination: { lat: 59.3 + i * 0.01, lon: 17.98 + i * 0.01 },
  timeWindow: { start: local('08:00'), end: local('16:00') },
  weightKg: 20,
  ...overrides,
});

describe('service dates on the local runtime (TIME_SCALE=60)', () => {
  it('a NEXT_DAY shipment with tomorrow 08:00-16:00 local, posted today, ends ROUTE_APPLIED at the fake SCM', async () => {
    const ids = ['SD-E2E-1', 'SD-E2E-2', 'SD-E2E-3'];
    for (const [i, id] of ids.entries()) {
      const created = await call('POST', '/v1/shipments', body(id, i));
      expect(created.status).toBe(202);
      expect(created.body).toMatchObject({ status: 'QUEUED', priority: 'STANDARD', serviceDate: tomorrow });
    }
    for (const id of ids) {
      await until(`${id} ROUTE_APPLIED`, async () =>
        (await call('GET', `/v1/shipments/${id}`)).body?.status === 'ROUTE_APPLIED' ? true : undefined,
      );
    }
    const received = (await (await fetch(`${scmUrl}/_received`)).json()) as {
      body: string;
      verified: boolean;
    }[];
    for (const id of ids) {
      const webhook = received.find((r) => r.body.includes(id));
      expect(webhook?.verified).toBe(true);
      const eta = Date.parse((JSON.parse(webhook?.body ?? '{}') as { data: { eta: string } }).data.eta);
      // Delivered tomorrow inside the window (a stop may wait for the window to open).
      expect(eta).toBeLessThanOrEqual(Date.parse(local('16:00')));
      expect(localDateOf(eta, TZ)).toBe(tomorrow);
    }
    const got = await call('GET', '/v1/shipments/SD-E2E-1');
    expect(got.body).toMatchObject({
      serviceDate: tomorrow,
      route: { vehicleId: expect.stringMatching(/^STO-V/) },
    });
    const route = await call('GET', `/v1/routes/${got.body.route.routeId}`);
    // The vehicle leaves on tomorrow's shift (07:00 local), not at the planning instant.
    expect(Date.parse(route.body.start)).toBeGreaterThanOrEqual(Date.parse(local('07:00')));
  }, 60_000);

  it('rejects a window that has ended or starts beyond the horizon: 400 naming the field, nothing stored', async () => {
    const past = await call(
      'POST',
      '/v1/shipments',
      body('SD-E2E-PAST', 0, { timeWindow: { start: '2026-01-05T08:00:00Z', end: '2026-01-05T16:00:00Z' } }),
    );
    expect(past.status).toBe(400);
    expect(past.headers.get('content-type')).toBe('application/problem+json');
    expect(past.body.errors.map((e: { field: string }) => e.field)).toEqual(['timeWindow.end']);
    expect((await call('GET', '/v1/shipments/SD-E2E-PAST')).status).toBe(404);

    const far = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const later = new Date(Date.now() + 30 * 86_400_000 + 3_600_000).toISOString();
    const beyond = await call(
      'POST',
      '/v1/shipments',
      body('SD-E2E-FAR', 0, { timeWindow: { start: far, end: later } }),
    );
    expect(beyond.status).toBe(400);
    expect(beyond.body.errors.map((e: { field: string }) => e.field)).toEqual(['timeWindow.start']);
    expect((await call('GET', '/v1/shipments/SD-E2E-FAR')).status).toBe(404);
  });
});
